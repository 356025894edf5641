import { createHash } from 'node:crypto';
import { callKey } from '../../server/services/outcomes';

/** The derivation every stored receipt was made with: a retry after an upgrade must find its receipt. */
function storedDerivation(tenantId: string, callId: string): string {
  const hex = createHash('md5').update(tenantId).update('\u0000').update(callId).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

describe('callKey', () => {
  it('when a call id is reported again after an upgrade, then its key is the uuid already stored (ASCII, accents, emoji, CJK, long)', () => {
    const tenant = '3f2b8c1e-9a4d-4c6b-8e2f-1a2b3c4d5e6f';
    for (const callId of ['1700000000.123', 'chamada-ção-ÁÉÍ', 'ligação 📞 #42', '通話-7', 'x'.repeat(200), '0']) {
      // The same 128 bits: PostgreSQL reads the unhyphenated spelling as the same uuid (test/faults covers the retry).
      expect(callKey(tenant, callId)).toBe(storedDerivation(tenant, callId).replace(/-/g, ''));
    }
  });

  it("when two tenants send the same call id, then their keys differ", () => {
    expect(callKey('3f2b8c1e-9a4d-4c6b-8e2f-1a2b3c4d5e6f', 'call-1')).not.toBe(callKey('5f2b8c1e-9a4d-4c6b-8e2f-1a2b3c4d5e6f', 'call-1'));
  });
});
