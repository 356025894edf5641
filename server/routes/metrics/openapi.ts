import type { ApiOperation } from '../../http/openapi';

export const metricsApi: ApiOperation[] = [
  {
    method: 'get',
    path: '/metrics',
    tag: 'Operator',
    summary: 'Prometheus metrics (text exposition format)',
    access: 'operator',
    static: true,
    responses: { 200: { description: 'metrics; see docs/operations.md, "Metrics"', content: { 'text/plain': null } } },
  },
];
