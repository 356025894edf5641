import type { ApiOperation } from '../../http/openapi';

export const consoleApi: ApiOperation[] = [
  {
    method: 'get',
    path: '/',
    tag: 'Pages',
    summary: 'The admin console (HTML; its scripts and styles under /assets)',
    access: 'public',
    static: true,
    responses: { 200: { description: 'the console', content: { 'text/html': null } }, 503: { description: 'the console is not built', content: { 'text/plain': null } } },
  },
];
