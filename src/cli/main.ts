// codecall <command> [options]: the operators' command line. Run it as `codecall` (bin/, after
// `npm link` or in the container image) or as `npm run cli -- <command>`.
const COMMANDS: Record<string, { usage: string; load: () => Promise<{ run(args: string[]): Promise<void> }> }> = {
  migrate: { usage: 'migrate                                     apply pending migrations to DATABASE_URL', load: () => import('./migrate.js') },
  'user:create': { usage: 'user:create --username NAME --role ROLE      create a staff user (password from CODECALL_PASSWORD or stdin)', load: () => import('./accounts.js') },
  'key:create': { usage: 'key:create --name NAME [--scopes submit,read] create an API key and print it once', load: () => import('./accounts.js') },
  'key:revoke': { usage: 'key:revoke --name NAME                       revoke an API key', load: () => import('./accounts.js') },
  submit: { usage: 'submit FILE.csv --name NAME [--follow] [--option k=v]...  submit a CSV campaign (CODECALL_URL, CODECALL_API_KEY)', load: () => import('./submit.js') },
  follow: { usage: 'follow CAMPAIGN_ID                          follow a campaign with a progress bar until it ends', load: () => import('./submit.js') },
  dialplan: { usage: 'dialplan [--media DIR --entry 6500 ...]      print the Asterisk dialplan of the verification IVRs', load: () => import('./dialplan.js') },
  prompts: { usage: 'prompts --lang zh|en --out DIR              render the fixed prompt set as 8 kHz WAV files', load: () => import('./prompts.js') },
};

const [command, ...args] = process.argv.slice(2);
const entry = command ? COMMANDS[command] : undefined;
if (!entry) {
  console.error(`usage: codecall <command> [options]\n\n${Object.values(COMMANDS).map((c) => `  ${c.usage}`).join('\n')}`);
  process.exit(command ? 2 : 0);
}
try {
  await (await entry.load()).run([command!, ...args]);
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
}
