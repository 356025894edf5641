/** CPFs (Cadastro de Pessoas Físicas): read in any usual spelling, check digits verified. */

/** CPF check digits (Receita Federal's mod-11 rule); repeated digits ("111.111.111-11") pass it but are not issued. */
export function isValidCpf(digits: string): boolean {
  if (!/^\d{11}$/.test(digits) || /^(\d)\1{10}$/.test(digits)) return false;
  const check = (length: number) => {
    let sum = 0;
    for (let i = 0; i < length; i++) sum += Number(digits[i]) * (length + 1 - i);
    const rest = (sum * 10) % 11;
    return rest === 10 ? 0 : rest;
  };
  return check(9) === Number(digits[9]) && check(10) === Number(digits[10]);
}

/** The CPF's digits when `text` is one in any usual spelling ("123.456.789-09", "12345678909"), else null. */
export function cpfDigits(text: string): string | null {
  if (!/^[\d.\-\s/]+$/.test(text)) return null;
  const digits = text.replace(/\D/g, '');
  return isValidCpf(digits) ? digits : null;
}
