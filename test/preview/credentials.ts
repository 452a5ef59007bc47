// One credential of each kind secretlint's recommended preset knows, built at run time from
// random characters (never committed as literal secrets), each in the context a runtime
// would record it in (a header, an env line, a config value), with the rule it must be
// masked as. (The preset looks for `_authToken=` only in files named .npmrc, so that form is
// not among them; npm's own `npm_…` tokens are.)
import { generateKeyPairSync, randomBytes } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function chars(n: number, alphabet = ALNUM): string {
  const bytes = randomBytes(n);
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[bytes[i] % alphabet.length];
  return s;
}

const letters = (n: number) => chars(n, ALNUM.slice(0, 52));
const hex = (n: number) => chars(n, '0123456789abcdef');

export interface Credential {
  /** The marker's rule, in words. */
  rule: string;
  /** The raw secret: must never be displayed. */
  value: string;
  /** A line of artifact text holding it. */
  text: string;
}

/** A fresh set: every value differs from run to run. */
export function credentials(): Credential[] {
  const list: [string, string, (v: string) => string][] = [
    ['github token', `ghp_${chars(36)}`, (v) => `Authorization: token ${v}`],
    ['github token', `github_pat_${chars(82)}`, (v) => `GH_TOKEN=${v}`],
    ['gitlab personal access token', `glpat-${chars(20)}`, (v) => `PRIVATE-TOKEN: ${v}`],
    ['aws secret access key', chars(40), (v) => `aws_secret_access_key = ${v}`],
    ['slack token', `xoxb-${chars(10, '0123456789')}-${chars(13, '0123456789')}-${chars(24)}`, (v) => `SLACK_BOT_TOKEN=${v}`],
    ['slack incoming webhook', `https://hooks.slack.com/services/T${chars(8)}/B${chars(8)}/${chars(24)}`, (v) => `webhook: ${v}`],
    ['npm access token', `npm_${chars(36)}`, (v) => `NPM_TOKEN=${v}`],
    ['basic auth', `https://deploy:${chars(16)}@git.example.com`, (v) => `remote: ${v}/repo.git`],
    ['openai token', `sk-${chars(20)}T3BlbkFJ${chars(20)}`, (v) => `OPENAI_API_KEY=${v}`],
    ['anthropic api key', `sk-ant-api03-${chars(93)}AA`, (v) => `x-api-key: ${v}`],
    ['groq api key', `gsk_${chars(52)}`, (v) => `GROQ_API_KEY=${v}`],
    ['huggingface user access token', `hf_${letters(34)}`, (v) => `HF_TOKEN=${v}`],
    ['sendgrid key', `SG.${chars(22)}.${chars(43)}`, (v) => `SENDGRID_API_KEY=${v}`],
    ['shopify key', `shpat_${hex(32)}`, (v) => `X-Shopify-Access-Token: ${v}`],
    ['database connection string postgre sql connection', `postgres://app:${chars(18)}@db.internal:5432/prod`, (v) => `DATABASE_URL=${v}`],
    ['database connection string mongo db connection', `mongodb+srv://app:${chars(18)}@cluster0.example.net/prod`, (v) => `MONGO_URL=${v}`],
    ['hashicorp vault service token', `hvs.${chars(95)}`, (v) => `VAULT_TOKEN=${v}`],
    ['docker personal access token', `dckr_pat_${chars(27)}`, (v) => `DOCKER_PAT=${v}`],
    ['databricks personal access token', `dapi${hex(32)}`, (v) => `DATABRICKS_TOKEN=${v}`],
  ];
  const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString().trim();
  const out = list.map(([rule, value, line]) => ({ rule, value, text: line(value) }));
  out.push({ rule: 'private key', value: pem, text: pem });
  return out;
}

/** The part of a credential that gives it away: its random tail (markers and prefixes are not secret). */
export function secretPart(c: Credential): string {
  if (c.rule === 'private key') return c.value.split('\n')[3];
  return c.value.slice(-16);
}
