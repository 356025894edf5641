import type { EventEmitter } from 'node:events';

/**
 * Resolves on 'drain' or 'close', whichever comes first, and removes both listeners (a 1M-row mailing waits
 * thousands of times; listeners left behind would pile up). Used by the server's answer and the plugin's files.
 */
export function drained(stream: EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}
