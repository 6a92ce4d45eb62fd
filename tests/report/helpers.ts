import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DesignManifest } from '../../src/design/manifest.ts';
import { SynthResultSchema, type SynthResult } from '../../src/synth/result.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures');

/** Real synth.json files from `bitbeat synth` on the fixture design (Yosys 0.23, nextpnr-ice40 0.4, nextpnr-ecp5 0.11.1). */
export function synthFixture(target: 'ice40-up5k' | 'ecp5-25f'): SynthResult {
  return SynthResultSchema.parse(JSON.parse(readFileSync(join(FIXTURES, 'synth-results', `design-small-${target}.json`), 'utf8')));
}

export function manifestFixture(): DesignManifest {
  return JSON.parse(readFileSync(join(FIXTURES, 'design-small', 'manifest.json'), 'utf8')) as DesignManifest;
}

/** A copy of the fixture design with the stored synth results in build/<target>/synth.json. */
export function designWithResults(targets: ('ice40-up5k' | 'ecp5-25f')[]): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'bb-report-')), 'design-small');
  cpSync(join(FIXTURES, 'design-small'), dir, { recursive: true, filter: (s) => !s.includes('/build') });
  for (const t of targets) {
    mkdirSync(join(dir, 'build', t), { recursive: true });
    writeFileSync(join(dir, 'build', t, 'synth.json'), JSON.stringify(synthFixture(t)));
  }
  return dir;
}

/** Splits one CSV line (RFC 4180 quoting). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/**
 * A small XML well-formedness check for the SVG writer's output: every tag closes in order,
 * attributes are quoted, no stray `<` or `&` in text. Returns the element names in document order.
 */
export function checkWellFormedXml(xml: string): string[] {
  const body = xml.replace(/^<\?xml[^>]*\?>\s*/, '');
  const stack: string[] = [];
  const names: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < body.length) {
    tag.lastIndex = pos;
    m = tag.exec(body);
    if (!m) throw new Error(`not well-formed at ${pos}: ${body.slice(pos, pos + 40)}`);
    pos = tag.lastIndex;
    if (m[5] !== undefined) {
      if (/&(?!(lt|gt|amp|quot|apos);)/.test(m[5])) throw new Error(`bare & in text: ${m[5]}`);
      if (stack.length === 0 && m[5].trim()) throw new Error('text outside the root element');
      continue;
    }
    const [, close, name, , selfClose] = m;
    if (close) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
    } else {
      names.push(name!);
      if (!selfClose) stack.push(name!);
    }
  }
  if (stack.length) throw new Error(`unclosed: ${stack.join(', ')}`);
  return names;
}
