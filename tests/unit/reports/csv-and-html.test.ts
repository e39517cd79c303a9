/** The small pieces every report relies on: RFC 4180 quoting, HTML escaping, the embedded font. */
import { describe, expect, it } from 'vitest';
import { csvField, toCsv } from '../../../src/main/reports/csv';
import { embeddedFontCss, esc, notesSection, page } from '../../../src/main/reports/layout';

describe('report building blocks', () => {
  it('quotes CSV fields with commas, quotes and line breaks, and ends lines with CRLF', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(null)).toBe('');
    expect(csvField(Number.NaN)).toBe('');
    expect(csvField(0.25)).toBe('0.25');
    expect(toCsv(['a', 'b'], [[1, 'x,y']])).toBe('a,b\r\n1,"x,y"\r\n');
  });

  it('escapes every value that goes into the HTML', () => {
    expect(esc(`<img src=x onerror="alert(1)">&'`)).toBe('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;');
    const doc = page({ title: '<script>x</script>', generatedAt: new Date(0), version: '1.0', body: notesSection('</div><script>alert(1)</script>') });
    expect(doc).not.toMatch(/<script/i);
    expect(doc).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(doc).toMatch(/script-src|default-src 'none'/);
  });

  it('inlines Inter (regular, semibold, bold) as WOFF2 data URLs', () => {
    const css = embeddedFontCss();
    for (const w of [400, 600, 700]) expect(css).toMatch(new RegExp(`font-weight:${w};[^}]*src:url\\(data:font/woff2;base64,`));
    expect(css).not.toMatch(/url\((?!data:)/);
  });
});
