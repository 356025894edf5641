import { asteriskHangupOutcome, outcomeCode, ownOutcome, parseAmiMessage, q850Outcome, sipOutcome, vicidialOutcome } from '../../plugin/src/adapters';
import { DEFAULT_TABULATION_MAP, normalizeTabulationCode } from '../../server/domain/tabulations';

describe('outcome adapters', () => {
  it('when a SIP final response arrives as a number or a status line, then it becomes "sip:NNN"', () => {
    expect(sipOutcome(404)).toBe('sip:404');
    expect(sipOutcome('486 Busy Here')).toBe('sip:486');
    expect(sipOutcome(' 604 ')).toBe('sip:604');
  });

  it('when a SIP code is provisional or out of range, then it is refused at once', () => {
    expect(() => sipOutcome(180)).toThrow(TypeError);
    expect(() => sipOutcome(700)).toThrow(/200-699/);
    expect(() => sipOutcome('abc')).toThrow(TypeError);
  });

  it('when an Asterisk Hangup event arrives as AMI text, then its Cause becomes "q850:N" whatever the key case', () => {
    const event = parseAmiMessage('Event: Hangup\r\nChannel: SIP/trunk-0001\r\nUniqueid: 1700000000.42\r\nCause: 1\r\nCause-txt: Unallocated (unassigned) number\r\n\r\n');
    expect(asteriskHangupOutcome(event)).toBe('q850:1');
    expect(asteriskHangupOutcome({ event: 'Hangup', cause: '17', 'cause-txt': 'User busy' })).toBe('q850:17');
  });

  it('when the AMI event is not a Hangup or has no cause, then the adapter refuses it', () => {
    expect(() => asteriskHangupOutcome({ Event: 'Newstate', Cause: '16' })).toThrow(/Hangup/);
    expect(() => asteriskHangupOutcome({ Event: 'Hangup' })).toThrow(/Cause/);
    expect(() => q850Outcome(300)).toThrow(TypeError);
  });

  it('when a VICIdial status or an own tabulation is given, then it passes through (VICIdial upper-cased)', () => {
    expect(vicidialOutcome(' dc ')).toBe('DC');
    expect(() => vicidialOutcome('not a status')).toThrow(TypeError);
    expect(ownOutcome('  número inexistente ')).toBe('número inexistente');
    expect(() => ownOutcome('   ')).toThrow(TypeError);
  });

  it('when adapted codes reach the default map, then the invalid and transient ones land where docs/rules.md says', () => {
    const outcome = (code: string) => DEFAULT_TABULATION_MAP.get(normalizeTabulationCode(code));
    expect([404, 410, 484, 604].map((c) => outcome(outcomeCode({ sip: c })))).toEqual(['invalid', 'invalid', 'invalid', 'invalid']);
    expect([480, 486, 503].map((c) => outcome(outcomeCode({ sip: c })))).toEqual(['neutral', 'neutral', 'neutral']);
    expect([1, 22, 28].map((c) => outcome(outcomeCode({ asteriskHangup: { Event: 'Hangup', Cause: String(c) } })))).toEqual(['invalid', 'invalid', 'invalid']);
    expect([17, 18, 19, 21, 34, 38, 102].every((c) => outcome(outcomeCode({ q850: c })) === 'neutral')).toBe(true);
    expect(outcome(outcomeCode({ vicidial: 'dc' }))).toBe('invalid');
    expect(outcome(outcomeCode({ vicidial: 'NA' }))).toBe('neutral');
    expect(outcome(outcomeCode({ code: 'Número inexistente' }))).toBe('invalid');
  });
});
