import { Pseudonymizer } from '../../server/domain/pseudonym';
import {
  NETWORK_MIN_SOURCES,
  PAIR_STATE,
  answeredRecently,
  bestOrder,
  contactKeyText,
  effectOf,
  reasonOf,
  stateAfter,
  type PhoneFacts,
} from '../../server/domain/rightParty';
import { rawFields } from '../../server/services/mailingFilter/bestOrder';

const phone = (facts: Partial<PhoneFacts>): PhoneFacts => ({ pair: PAIR_STATE.UNKNOWN, answeredRecently: false, unconfirmed: false, ...facts });

describe('best phone first (server/domain/rightParty.ts)', () => {
  test('when a contact has one phone of each kind, then they come Qualificado, answered recently, clean, Não qualificado, unconfirmed, Inativo', () => {
    const phones = [
      phone({ pair: PAIR_STATE.INACTIVE }),
      phone({ unconfirmed: true }),
      phone({ pair: PAIR_STATE.NOT_QUALIFIED }),
      phone({}),
      phone({ answeredRecently: true }),
      phone({ pair: PAIR_STATE.QUALIFIED }),
    ];
    const order = bestOrder(phones);
    expect(order).toEqual([5, 4, 3, 2, 1, 0]);
    expect(order.map((index) => reasonOf(phones[index]!))).toEqual(['qualificado', 'atendeu_recentemente', 'limpo', 'nao_qualificado', 'nao_confirmado', 'inativo']);
  });

  test("when the tenant reached the person on a number with a few invalid marks, then its own history outranks the pool's doubt", () => {
    expect(bestOrder([phone({ answeredRecently: true }), phone({ pair: PAIR_STATE.QUALIFIED, unconfirmed: true })])).toEqual([1, 0]);
  });

  test("when someone else answered for this contact, then the network's answer does not lift the number above a clean one", () => {
    expect(bestOrder([phone({ pair: PAIR_STATE.NOT_QUALIFIED, answeredRecently: true }), phone({})])).toEqual([1, 0]);
  });

  test("when phones tie, then the file's order is kept", () => {
    expect(bestOrder([phone({}), phone({}), phone({})])).toEqual([0, 1, 2]);
  });

  test("when answers come from one other tenant only, then they are not a network signal (one tenant cannot push numbers up)", () => {
    expect(NETWORK_MIN_SOURCES).toBe(2);
    expect(answeredRecently({ otherSources: 1, own: false })).toBe(false);
    expect(answeredRecently({ otherSources: 2, own: false })).toBe(true);
    expect(answeredRecently({ otherSources: 0, own: true })).toBe(true);
  });

  test('when calls follow each other, then the last right/wrong party or invalid decides and a plain contact only lifts an Inativo', () => {
    expect(stateAfter(PAIR_STATE.UNKNOWN, [effectOf('right_party')])).toBe(PAIR_STATE.QUALIFIED);
    expect(stateAfter(PAIR_STATE.QUALIFIED, [effectOf('wrong_party')])).toBe(PAIR_STATE.NOT_QUALIFIED);
    expect(stateAfter(PAIR_STATE.QUALIFIED, [effectOf('neutral'), effectOf('contact')])).toBe(PAIR_STATE.QUALIFIED);
    expect(stateAfter(PAIR_STATE.UNKNOWN, [effectOf('invalid')])).toBe(PAIR_STATE.INACTIVE);
    expect(stateAfter(PAIR_STATE.INACTIVE, [effectOf('contact')])).toBe(PAIR_STATE.UNKNOWN);
  });

  test('when a CPF is given in any spelling, or as the contact id, then the contact key is the same; other ids stay ids', () => {
    expect(contactKeyText({ cpf: '529.982.247-25' })).toBe('cpf:52998224725');
    expect(contactKeyText({ contactId: '52998224725' })).toBe('cpf:52998224725');
    expect(contactKeyText({ cpf: '52998224725', contactId: 'lead-1' })).toBe('cpf:52998224725');
    expect(contactKeyText({ contactId: ' lead-1 ' })).toBe('id:lead-1');
    expect(contactKeyText({})).toBeNull();
  });

  test('when the same CPF is pseudonymized for two tenants, then the values are unrelated; within a tenant they are stable', () => {
    const pseudonymizer = new Pseudonymizer(Buffer.alloc(16, 7));
    const a = pseudonymizer.forTenant('tenant-a');
    const b = pseudonymizer.forTenant('tenant-b');
    expect(a.contact('cpf:52998224725')).toBe(pseudonymizer.forTenant('tenant-a').contact('cpf:52998224725'));
    expect(a.contact('cpf:52998224725')).not.toBe(b.contact('cpf:52998224725'));
    const contact = a.contact('cpf:52998224725');
    expect(a.pair(contact, 5511987654321)).not.toBe(b.pair(contact, 5511987654321));
    expect(a.pair(contact, 5511987654321)).not.toBe(a.pair(contact, 5511987654322));
  });

  test('when a CSV record has quoted fields with delimiters and quotes, then its raw fields keep their bytes', () => {
    expect(rawFields('"Maria; José";"(11) 9876""5";;x', ';')).toEqual(['"Maria; José"', '"(11) 9876""5"', '', 'x']);
    expect(rawFields('', ',')).toEqual(['']);
  });
});
