/**
 * Reading back the VCD a cosimulation wrote (enough to check it is well formed and to list its
 * signals), and the GTKWave save file (.gtkw) that opens it with the top-level handshakes and
 * trace ports already on screen: `gtkwave out.vcd out.gtkw`.
 */

export interface VcdVar {
  /** scope path, outermost first, e.g. ['TOP'] for the top level's ports */
  scope: string[];
  name: string;
  /** e.g. "[11:0]" for a vector, '' for a single bit */
  range: string;
  width: number;
  /** the VCD identifier code */
  id: string;
}

export interface VcdHeader {
  timescale: string;
  vars: VcdVar[];
}

export interface VcdSummary extends VcdHeader {
  /** timestamps after the header, strictly increasing (checked) */
  timestamps: number;
  lastTime: number;
  /** value changes per identifier code, initial values included */
  changes: Map<string, number>;
}

/** Parses a VCD file's text; throws (naming the line) on anything malformed. */
export function readVcd(text: string): VcdSummary {
  const lines = text.split('\n');
  let timescale = '';
  const vars: VcdVar[] = [];
  const scope: string[] = [];
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`VCD line ${i + 1}: ${what}`);
  };
  // header: $keyword ... $end, possibly spanning lines
  let body = -1;
  for (; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    if (line.startsWith('$timescale')) {
      let t = line.replace('$timescale', '');
      while (!t.includes('$end') && i + 1 < lines.length) t += ' ' + lines[++i]!.trim();
      timescale = t.replace('$end', '').trim();
    } else if (line.startsWith('$scope')) {
      const f = line.split(/\s+/);
      if (f.length < 4 || f[3] !== '$end') fail(`bad $scope: ${line}`);
      scope.push(f[2]!);
    } else if (line.startsWith('$upscope')) {
      if (scope.pop() === undefined) fail('$upscope without $scope');
    } else if (line.startsWith('$var')) {
      const f = line.split(/\s+/);
      // $var <type> <width> <id> <name> [<range>] $end
      if (f.length < 6 || f[f.length - 1] !== '$end') fail(`bad $var: ${line}`);
      const width = Number(f[2]);
      if (!Number.isInteger(width) || width < 1) fail(`bad width in: ${line}`);
      vars.push({ scope: [...scope], name: f[4]!, range: f.length === 7 ? f[5]! : '', width, id: f[3]! });
    } else if (line.startsWith('$enddefinitions')) {
      body = i + 1;
      break;
    } else if (line.startsWith('$')) {
      // $version, $date, $comment: skip to their $end
      while (!lines[i]!.includes('$end') && i + 1 < lines.length) i++;
    } else {
      fail(`unexpected text in the header: ${line}`);
    }
  }
  if (body < 0) fail('no $enddefinitions');
  if (scope.length) fail(`${scope.length} scope(s) not closed`);
  if (!timescale) fail('no $timescale');
  const ids = new Set(vars.map((v) => v.id));
  const changes = new Map<string, number>();
  let timestamps = 0;
  let lastTime = -1;
  for (i = body; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('$')) continue; // $dumpvars / $end around the initial values
    let id: string;
    if (line[0] === '#') {
      const t = Number(line.slice(1));
      if (!Number.isInteger(t) || t <= lastTime) fail(`timestamp ${line} not after #${lastTime}`);
      lastTime = t;
      timestamps++;
      continue;
    } else if (line[0] === 'b' || line[0] === 'B' || line[0] === 'r' || line[0] === 'R') {
      const f = line.split(' ');
      if (f.length !== 2) fail(`bad vector change: ${line}`);
      id = f[1]!;
    } else if ('01xXzZ'.includes(line[0]!)) {
      id = line.slice(1);
    } else {
      fail(`bad value change: ${line}`);
    }
    if (!ids.has(id!)) fail(`value change of undeclared identifier '${id!}'`);
    changes.set(id!, (changes.get(id!) ?? 0) + 1);
  }
  return { timescale, vars, timestamps, lastTime, changes };
}

/** The top level's ports in a Verilator VCD: the variables directly in the outermost scope (TOP). */
export function topPorts(h: VcdHeader): VcdVar[] {
  return h.vars.filter((v) => v.scope.length === 1);
}

/**
 * A GTKWave save file for a cosimulation VCD: clock and reset, the input stream, the output
 * stream, then each trace port's valid and data (in `traces` order, e.g. the manifest's, else
 * every trace_*_valid port by name), grouped under comment rows. Single bits in binary, s_data
 * and m_class in signed / unsigned decimal, trace data in hex. Only signals the VCD has are listed.
 */
export function gtkwSave(vcdPath: string, h: VcdHeader, traces?: ReadonlyArray<{ title: string; valid: string; data: string }>): string {
  const ports = topPorts(h);
  const byName = new Map(ports.map((v) => [v.name, v]));
  const ref = (v: VcdVar): string => `${v.scope.join('.')}.${v.name}${v.range}`;
  // GTKWave trace flags: 0x20 right-justify | 0x08 binary (28), 0x02 hex (22), 0x04 decimal (24), 0x400 signed (424); 0x200 a comment row
  const flag = (v: VcdVar, name: string): string => (v.width === 1 ? '@28' : name === 's_data' ? '@424' : name === 'm_class' ? '@24' : '@22');
  const out = ['[*] bitbeat cosimulation waveform (sim/cosim/vcd.ts); open with: gtkwave <vcd> <this file>', `[dumpfile] ${JSON.stringify(vcdPath)}`, '[timestart] 0', '[treeopen] TOP.'];
  const group = (title: string, names: string[]): void => {
    const present = names.map((n) => byName.get(n)).filter((v): v is VcdVar => v !== undefined);
    if (present.length === 0) return;
    out.push('@200', `-${title}`);
    for (const v of present) out.push(flag(v, v.name), ref(v));
  };
  group('clock and reset', ['clk', 'rst']);
  group('input stream (raw samples)', ['s_valid', 's_ready', 's_data']);
  group('output stream (class)', ['m_valid', 'm_ready', 'm_class']);
  const list =
    traces ??
    ports
      .filter((v) => v.name.startsWith('trace_') && v.name.endsWith('_valid'))
      .map((v) => v.name.slice(0, -'_valid'.length))
      .map((t) => ({ title: t.slice('trace_'.length), valid: `${t}_valid`, data: `${t}_data` }));
  for (const t of list) group(`trace ${t.title}`, [t.valid, t.data]);
  return out.join('\n') + '\n';
}
