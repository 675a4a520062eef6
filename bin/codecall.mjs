#!/usr/bin/env node
// The `codecall` command: runs src/cli/main.ts through tsx, which the service itself runs on.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
