#!/usr/bin/env node
// The `patchbay` executable: registers tsx so the TypeScript sources run directly, then runs the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../gateway/cli/main.ts');
const code = await main(process.argv.slice(2));
process.exit(code);
