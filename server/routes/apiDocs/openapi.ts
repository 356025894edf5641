import type { ApiOperation } from '../../http/openapi';

const page = (path: string, summary: string, media: string): ApiOperation => ({
  method: 'get',
  path,
  tag: 'Pages',
  summary,
  access: 'public',
  static: true,
  responses: { 200: { description: summary, content: { [media]: null } } },
});

export const apiDocsApi: ApiOperation[] = [
  page('/openapi.json', 'This document (OpenAPI 3.1)', 'application/json'),
  page('/docs/api', 'The API reference page, built from this document', 'text/html'),
  page('/docs/api/reference.js', "The reference page's script", 'text/javascript'),
  page('/docs/api/reference.css', "The reference page's style sheet", 'text/css'),
];
