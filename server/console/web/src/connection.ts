/**
 * Whether the server is reachable, from two witnesses: the socket (connected or not) and the last HTTP request
 * (answered or not). Either one failing shows the "no connection" banner; it goes when both are fine again.
 */
type Listener = (online: boolean) => void;

let socketUp = true;
let httpUp = true;
const listeners = new Set<Listener>();

const online = () => socketUp && httpUp;

function set(update: () => void): void {
  const before = online();
  update();
  const after = online();
  if (before !== after) for (const listener of listeners) listener(after);
}

export const connection = {
  online,
  onChange(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  httpFailed: () => set(() => (httpUp = false)),
  httpSucceeded: () => set(() => (httpUp = true)),
  socketUp: () =>
    set(() => {
      socketUp = true;
      httpUp = true;
    }),
  socketDown: () => set(() => (socketUp = false)),
  /** Signed out: no socket is expected, so only HTTP counts. */
  reset: () =>
    set(() => {
      socketUp = true;
      httpUp = true;
    }),
};
