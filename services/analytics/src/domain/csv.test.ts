import { describe, expect, it } from 'vitest';
import { csvField, csvLines, csvRecord } from './csv';

async function collect(gen: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const s of gen) out += s;
  return out;
}

describe('csv (RFC 4180)', () => {
  it('when a field holds a quote, comma or line break, then it is quoted with quotes doubled', () => {
    expect(csvRecord(['plain', 'a,b', 'say "hi"', 'two\nlines', null, 3.5])).toBe(
      'plain,"a,b","say ""hi""","two\nlines",,3.5\r\n',
    );
  });

  it('when a text starts like a spreadsheet formula, then it is neutralised but numbers are not', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField(-3)).toBe('-3');
  });

  it('when rows come in pages, then the header comes once and every row follows in order', async () => {
    async function* pages() {
      yield [{ d: '2026-11-01', n: 1 }];
      yield [{ d: '2026-11-02', n: 2 }];
    }
    const cols = [
      ['date', (r: { d: string }) => r.d],
      ['events', (r: { n: number }) => r.n],
    ] as const;
    expect(await collect(csvLines(cols as never, pages()))).toBe('date,events\r\n2026-11-01,1\r\n2026-11-02,2\r\n');
  });
});
