import type { ApiOperation } from '../../http/openapi';
import { hoursBody, hoursParams } from './schema';

const json = { 'application/json': null };

export const callingHoursApi: ApiOperation[] = [
  {
    method: 'get',
    path: '/v1/calling-hours',
    tag: 'Calling hours',
    summary: 'Calling hours per state (BR = every state without its own): the tenant\'s rules over the presets, with their sources',
    access: 'tenant',
    responses: { 200: { description: '{"hours": [{scope, windows: {weekdays, saturday, sunday}, from: "tenant" | "preset", presetSource, updatedBy, updatedAt}]}', content: json } },
  },
  {
    method: 'put',
    path: '/v1/calling-hours/:scope',
    tag: 'Calling hours',
    summary: 'Set a state\'s calling hours (or BR\'s); `{"windows": null}` goes back to the preset',
    access: 'admin',
    params: hoursParams,
    body: { content: { 'application/json': hoursBody } },
    responses: { 200: { description: '{"hours": [...]} as GET', content: json } },
  },
];
