import { StatusBook, decide, type CarrierRow, type ClassifyContext, type LogRow } from '../../plugin/src/vicidial/classify';

/** How one VICIdial call becomes one outcome: which side decides the code, and the call facts for the Anatel meter. */

const context: ClassifyContext = {
  statuses: StatusBook.of({ SALE: { human: true, machine: false }, AA: { human: false, machine: true }, NA: { human: false, machine: false }, 'COBRA|CLIOK': { human: true, machine: false } }),
  knownCodes: new Set(['sale', 'aa', 'na']),
  statusMap: { NUMINX: 'número inexistente' },
  campaigns: { COBRA: 'cobranca' },
  onlyMapped: false,
  callIdPrefix: 'vicidial',
  utcOffset: '-03:00',
};
const log = (status: string, extra: Partial<LogRow> = {}): LogRow => ({
  uniqueid: '1764662400.17', lead_id: 4321, list_id: '1001', campaign_id: 'COBRA', call_date: '2026-12-02 09:15:00', length_in_sec: 95, status, phone_code: '55', phone_number: '11987654321', alt_dial: 'MAIN', ...extra,
});
const carrier = (dialstatus: string, cause: number, sip: number, dial: number, answered: number): CarrierRow => ({
  uniqueid: '1764662400.17', call_date: '2026-12-02 09:16:40', lead_id: 4321, hangup_cause: cause, dialstatus, dial_time: dial, answered_time: answered, sip_hangup_cause: sip,
});

it('when the carrier refused the call, then its SIP code decides (Q.850 without one), with the lead as contact id and the ring time', () => {
  expect(decide(carrier('CHANUNAVAIL', 1, 404, 4, 0), log('ADC'), context, false, false)).toEqual({
    kind: 'report',
    outcome: { callId: 'vicidial:1764662400.17', campaignId: 'cobranca', phone: '11987654321', code: 'sip:404', occurredAt: '2026-12-02T09:15:00-03:00', contactId: '4321', call: { answered: false, ringSeconds: 4, talkSeconds: 0 } },
  });
  expect(decide(carrier('CHANUNAVAIL', 28, 0, 2, 0), log('ADC'), context, false, false)).toMatchObject({ outcome: { code: 'q850:28' } });
});

it('when the call was answered, then it waits for the final disposition and reports the status with talk seconds and the machine flag', () => {
  const answered = carrier('ANSWER', 16, 200, 100, 95);
  expect(decide(answered, log('INCALL'), context, true, false)).toEqual({ kind: 'wait' });
  expect(decide(answered, log('AA'), context, false, false)).toMatchObject({ outcome: { code: 'AA', call: { answered: true, voicemail: true, ringSeconds: 5, talkSeconds: 95 } } });
  expect(decide(answered, log('NUMINX'), context, false, false)).toMatchObject({ outcome: { code: 'número inexistente' } });
  expect(decide(answered, log('CLIOK'), context, false, false)).toMatchObject({ outcome: { code: 'atendeu' } });
  // The window ends without a disposition: the carrier's cause stands in.
  expect(decide(answered, log('INCALL'), context, true, true)).toMatchObject({ outcome: { code: 'sip:200' } });
});

it('when there is no carrier row, then a final status waits for it a while, except for a human or machine answer', () => {
  expect(decide(undefined, log('NA'), context, false, false)).toEqual({ kind: 'wait' });
  expect(decide(undefined, log('NA'), context, true, false)).toMatchObject({ outcome: { code: 'NA' } });
  expect(decide(undefined, log('SALE'), context, false, false)).toMatchObject({ outcome: { code: 'SALE', call: { answered: true, talkSeconds: 95 } } });
  expect(decide(carrier('NOANSWER', 19, 480, 30, 0), undefined, context, true, false)).toEqual({ kind: 'wait' });
});

it('when the number is not Brazilian or the campaign is unmapped under somenteMapeadas, then the phone carries its code or the call is skipped', () => {
  expect(decide(undefined, log('SALE', { phone_code: '1', phone_number: '7275551212' }), context, false, false)).toMatchObject({ outcome: { phone: '+17275551212' } });
  expect(decide(undefined, log('SALE', { campaign_id: 'OUTRA' }), { ...context, onlyMapped: true }, false, false)).toEqual({ kind: 'skip', reason: 'unmapped-campaign' });
});
