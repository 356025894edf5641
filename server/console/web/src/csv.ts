/**
 * CSV of what a screen shows, downloaded by the browser (no server round trip). Semicolons and a BOM, as Brazilian
 * spreadsheets expect; cells that a spreadsheet would run as a formula (=, +, -, @) are quoted with a leading '.
 */
export function toCsv(rows: (string | number)[][]): string {
  const cell = (value: string | number) => {
    let text = String(value);
    if (/^[=+\-@]/.test(text) && !/^-?\d/.test(text)) text = `'${text}`;
    return /[;"\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return rows.map((row) => row.map(cell).join(';')).join('\r\n');
}

export function downloadCsv(fileName: string, rows: (string | number)[][]): void {
  const blob = new Blob([`\uFEFF${toCsv(rows)}\r\n`], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 1_000);
}
