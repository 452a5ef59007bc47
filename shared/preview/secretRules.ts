// secretlint's rules set up once for every text, instead of once per text. lintSource() makes
// a context, a translator and a handler per rule on each call, and runs each handler through
// its own promise: ~64 KB of garbage for a request's 763-byte preview, every first hover of a
// ref, and the collections that garbage cost set the first hovers' p99. The handlers the rules
// make hold no state of a text (each keeps its findings of a text in that call), so one set of
// them serves every text: ~12 KB a text. Whatever this path does not cover the way lintSource
// would (a handler that answers with a promise, asks to ignore a range or throws) makes the
// caller ask lintSource instead, so what is found is what lintSource finds.

/** What of a rule in lintSource's config this path reads (the config's type unions presets in). */
interface RuleDescriptor {
  id: string;
  rule: unknown;
  options?: unknown;
  disabled?: boolean;
  allowMessageIds?: string[];
}

/** A scanner rule as secretlint defines one: `create` gives the handlers for a text. */
interface ScannerRule {
  meta: { type?: string; supportedContentTypes?: string[] };
  create(context: RuleContext, options: unknown): { file?: (source: TextSource) => unknown };
}

interface RuleContext {
  sharedOptions: object;
  createTranslator(messages: unknown): (messageId: string, data?: object) => { message: string; messageId: string; data?: object };
  report(descriptor: { message: { messageId?: string; data?: object }; range: readonly [number, number] }): void;
  ignore(descriptor: unknown): void;
}

/** One finding as a rule reported it: `range` in the text, `data` the values it found. */
export interface ReportedFinding {
  ruleId: string;
  messageId: string | undefined;
  range: readonly [number, number];
  data: object | undefined;
}

/** What a rule's `file` handler is given; only what lintSource's source gives a text with no file behind it. */
interface TextSource {
  content: string;
  hasBOM: boolean;
  filePath: string;
  physicalFilePath: undefined;
  ext: string;
  contentType: 'text';
}

/** Where the findings of the text being checked go, and whether it met what only lintSource covers. */
interface Sink {
  found: ReportedFinding[];
  unsupported: boolean;
}

export const PREVIEW_FILE_NAME = 'preview.txt';

/** Each rule's handler, made once, reporting into whichever text's sink is current. */
export class SecretRules {
  private readonly handlers: ((source: TextSource) => unknown)[] = [];
  private sink: Sink | undefined;

  constructor(rules: readonly RuleDescriptor[]) {
    for (const descriptor of rules) {
      const creator = descriptor.rule as ScannerRule;
      // lintSource runs a rule on a text when it supports text or all content; presets and disabled rules are not set up here.
      if (descriptor.disabled || creator.meta.type !== 'scanner' || descriptor.allowMessageIds?.length) {
        throw new Error(`secretlint rule ${descriptor.id}: only enabled scanner rules without allowed messages are set up once`);
      }
      const types = creator.meta.supportedContentTypes ?? [];
      if (!types.includes('text') && !types.includes('all')) continue;
      const handler = creator.create(this.contextFor(descriptor.id), descriptor.options ?? {});
      const file = handler.file;
      if (file) this.handlers.push((source) => file.call(handler, source));
    }
  }

  /**
   * What the rules report in `text`, or undefined when this path cannot say it the way
   * lintSource would (then ask lintSource). Synchronous, so no other text's findings mix in.
   */
  findings(text: string): ReportedFinding[] | undefined {
    const hasBOM = text.charCodeAt(0) === 0xfeff;
    // As lintSource reads a text: without its byte order mark, ranges counted after it.
    const source: TextSource = { content: hasBOM ? text.slice(1) : text, hasBOM, filePath: PREVIEW_FILE_NAME, physicalFilePath: undefined, ext: '', contentType: 'text' };
    const sink: Sink = { found: [], unsupported: false };
    this.sink = sink;
    try {
      for (const handle of this.handlers) {
        const answer = handle(source);
        if (answer !== null && typeof answer === 'object' && typeof (answer as { then?: unknown }).then === 'function') sink.unsupported = true;
        if (sink.unsupported) return undefined;
      }
    } catch {
      return undefined;
    } finally {
      this.sink = undefined;
    }
    return hasBOM ? sink.found.map((f) => ({ ...f, range: [f.range[0] + 1, f.range[1] + 1] as const })) : sink.found;
  }

  /** The context a rule is made with: its reports go to the current text's sink. */
  private contextFor(ruleId: string): RuleContext {
    const current = (): Sink => {
      if (!this.sink) throw new Error(`secretlint rule ${ruleId} reported outside a check`);
      return this.sink;
    };
    return {
      sharedOptions: {},
      // The words of a message are never shown (findings are named by rule): only its id and data are kept.
      createTranslator: () => (messageId: string, data?: object) => ({ message: messageId, messageId, data }),
      report(descriptor) {
        current().found.push({ ruleId, messageId: descriptor.message.messageId, range: descriptor.range, data: descriptor.message.data });
      },
      ignore() {
        current().unsupported = true;
      },
    };
  }
}
