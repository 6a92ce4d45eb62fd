#!/usr/bin/env node
// Entry point of the `bitbeat` command. The sources are TypeScript run through tsx, so a
// fresh clone needs only `npm ci` (no build step) before the command works.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
