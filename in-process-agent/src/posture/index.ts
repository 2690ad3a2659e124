/**
 * The agent's posture part. On the critical path it only notes facts: a new module file (map lookups), a builtin
 * `require` (two lookups), a tmp write (one lookup, via the ledger). Findings are raised when a package first
 * loads after init or loads a dangerous builtin for the first time during an invocation. Everything that touches
 * the disk (package.json versions, stat/hash of tmp files, the tmp dir walk) runs after an invocation has
 * answered, asynchronously; the results go to the extension as `agent_posture` records (docs/contracts.md,
 * "Posture"): one full record after the first invocation, then small updates when something changed.
 */
import type * as fsT from 'node:fs';
import { fileURLToPath } from 'node:url';
import { captureFrames, type Frame } from '../context/stack';
import type { Agent } from '../core/agent';
import type { Verdict } from '../detectors/types';
import { type HardenState, hardenState, hardenVerdict } from './harden';
import { type BuiltinUse, DANGEROUS_BUILTINS, ModuleInventory, type PackageEntry, type Seen } from './inventory';
import { batched, pool, readVersion, scanTmp, settleEntry, type TmpState } from './io';
import { type LedgerEntry, seenLabel, TmpLedger } from './ledger';
import { fitRecord, ledgerView, packageView } from './record';

export interface PostureOptions {
  attach: 'wrapper' | 'preload';
  /** The environment's /tmp (os.tmpdir()). */
  tmpDir: string;
  /** The findings channel's directory (left out of the tmp walk). */
  channelDir: string;
}

/** Concurrent asynchronous file operations of one pass (the tmp walk; the thread pool has 4 threads). */
const IO_CONCURRENCY = 4;
/** Synchronous reads per event-loop turn (package.json, ledger files ≤ 64 KiB): a new invocation waits for one. */
const SYNC_BATCH = 16;
/** Ledger files whose survival is checked per pass. */
const SURVIVAL_CHECKS_PER_PASS = 256;
/** Written files settled (stat + hash of ≤ 64 KiB) per pass; the rest wait for the next pass. */
const SETTLES_PER_PASS = 64;

export class AgentPosture {
  readonly inventory: ModuleInventory;
  readonly ledger: TmpLedger;
  harden: HardenState | undefined;
  private tmpState: TmpState | undefined;
  private firstSent = false;
  private running = false;
  private rerun = false;
  private lastRequestId: string | undefined;
  private firstRequestId: string | undefined;
  /** Late packages not yet sent in a record. */
  private readonly unsentPackages: PackageEntry[] = [];
  private readonly unsentBuiltins: BuiltinUse[] = [];
  /** Module files and (builtin, parent) pairs loaded during init, classified after it (drainInit). */
  private readonly initFiles: string[] = [];
  private readonly initBuiltins: string[] = [];
  private fsMod: typeof fsT | undefined;

  constructor(
    private readonly agent: Agent,
    private readonly opts: PostureOptions,
  ) {
    this.inventory = new ModuleInventory(agent.roots);
    this.ledger = new TmpLedger().bind(this.seen);
    // The ledger is a Set: it replaces the agent's dropped-file set before any hook runs.
    for (const f of agent.droppedFiles) this.ledger.add(f);
    agent.droppedFiles = this.ledger;
  }

  private readonly seen = (): Seen => {
    const inv = this.agent.context.current();
    if (inv) return { phase: 'invoke', requestId: inv.requestId };
    return this.agent.context.phase() === 'init' ? { phase: 'init' } : { phase: 'unknown' };
  };

  /** At boot: hardening outcome (a finding when requested but not active). */
  start(): void {
    try {
      this.harden = hardenState(this.agent.config.harden, process as never, {
        tmp: this.opts.tmpDir,
        task: this.agent.roots.taskRoot,
      });
      const v = hardenVerdict(this.harden);
      if (v) this.agent.reportVerdict(v, 'posture', [], []);
    } catch (e) {
      this.agent.internalError(e, 'posture.harden');
    }
  }

  /** A module file loaded for the first time (CJS require or ESM import). */
  onModuleFile(file: string): void {
    try {
      // During init only remember the file: classifying it waits until init is over (off the cold-start path).
      if (this.agent.context.phase() === 'init') {
        this.initFiles.push(file);
        return;
      }
      if (this.initFiles.length > 0 || this.initBuiltins.length > 0) this.drainInit();
      const entry = this.inventory.onFile(file, this.seen);
      if (!entry || entry.first.phase === 'init') return;
      this.unsentPackages.push(entry);
      const risky = entry.root === 'tmp' || entry.root === 'other';
      this.report(
        {
          category: 'module_load',
          kind: 'late_package',
          severity: risky ? 'high' : 'low',
          confidence: 'medium',
          title: `package ${entry.name} first loaded after init (${entry.root})`,
          details: { loadedPackage: entry.name, root: entry.root, file },
        },
        'require',
        [file],
      );
    } catch (e) {
      this.agent.internalError(e, 'posture.module');
    }
  }

  /**
   * A builtin required or imported by `parent` (a module file path). `imported`: an ES module import, whose
   * stack does not show the importing module (static imports are linked by Node), so the parent names it.
   */
  onBuiltin(name: string, parent: string | undefined, imported = false): void {
    try {
      if (!DANGEROUS_BUILTINS.has(name)) return;
      if (this.agent.context.phase() === 'init') {
        this.initBuiltins.push(name, parent ?? '');
        return;
      }
      if (this.initFiles.length > 0 || this.initBuiltins.length > 0) this.drainInit();
      const use = this.inventory.onBuiltin(name, parent, this.seen);
      if (!use || use.first.phase === 'init') return;
      this.unsentBuiltins.push(use);
      this.report(
        {
          category: 'module_load',
          kind: 'late_dangerous_builtin',
          severity: 'medium',
          confidence: 'medium',
          title: `${use.package} loaded ${name} for the first time during an invocation`,
          details: { builtin: name, loadingPackage: use.package, parent: use.parent },
        },
        imported ? 'import' : 'require',
        [name],
        imported && parent ? { file: parent, line: 0, column: 0, isEval: false } : undefined,
      );
    } catch (e) {
      this.agent.internalError(e, 'posture.builtin');
    }
  }

  /** An ES module `import` of a builtin; `parentURL` is the importing module's URL. */
  onBuiltinImport(name: string, parentURL: unknown): void {
    if (!DANGEROUS_BUILTINS.has(name)) return;
    try {
      const file =
        typeof parentURL === 'string' && parentURL.startsWith('file:') ? fileURLToPath(parentURL) : undefined;
      this.onBuiltin(name, file, true);
    } catch (e) {
      this.agent.internalError(e, 'posture.import');
    }
  }

  /** Classifies what init loaded (the first later load, or the first posture pass, whichever comes first). */
  private drainInit(): void {
    const init = (): Seen => ({ phase: 'init' });
    const files = this.initFiles.splice(0);
    const builtins = this.initBuiltins.splice(0);
    for (const f of files) this.inventory.onFile(f, init);
    for (let i = 0; i + 1 < builtins.length; i += 2)
      this.inventory.onBuiltin(builtins[i] as string, builtins[i + 1] || undefined, init);
  }

  /** Reports with stack attribution; `first` (the importing module) goes before the captured frames. */
  private report(v: Verdict, sink: string, args: string[], first?: Frame): void {
    this.agent.guard++;
    let frames: Frame[];
    try {
      frames = captureFrames();
    } finally {
      this.agent.guard--;
    }
    this.agent.reportVerdict(v, sink, args, first ? [first, ...frames] : frames);
  }

  /** Adds the ledger's facts to a dropper verdict (which invocation wrote the file, its hash when known). */
  enrichDropper(v: Verdict): void {
    const file = v.details?.file;
    if (typeof file !== 'string') return;
    const e = this.ledger.describe(file);
    if (!e) return;
    if (!v.details) v.details = {};
    const details = v.details;
    details.writtenIn = e.createdIn;
    if (e.lastWrittenIn !== e.createdIn) details.lastWrittenIn = e.lastWrittenIn;
    const now = this.agent.context.current()?.requestId;
    if (now) details.crossInvocation = now !== e.createdIn;
    if (e.sha256) details.sha256 = e.sha256.slice(0, 16);
    if (e.survivedInto) details.survivedInto = e.survivedInto;
  }

  /** Called when an invocation has ended: schedules the asynchronous pass when there is something to do. */
  afterInvocation(requestId: string): void {
    this.lastRequestId = requestId;
    this.firstRequestId ??= requestId;
    const work =
      !this.firstSent ||
      this.ledger.dirty ||
      this.ledger.unconfirmed(requestId) ||
      this.unsentPackages.length > 0 ||
      this.unsentBuiltins.length > 0;
    if (!work) return;
    if (this.running) {
      this.rerun = true;
      return;
    }
    this.running = true;
    setImmediate(() => this.pass());
  }

  private fs(): typeof fsT {
    this.fsMod ??= require('node:fs') as typeof fsT;
    return this.fsMod;
  }

  private pass(): void {
    const done = (): void => {
      this.running = false;
      if (this.rerun) {
        this.rerun = false;
        this.running = true;
        setImmediate(() => this.pass());
      }
    };
    try {
      this.drainInit();
      const fs = this.fs();
      const requestId = this.lastRequestId;
      const items: Array<() => void> = [];
      for (const p of this.inventory.packages.values()) {
        if (p.version !== undefined) continue;
        items.push(() => {
          p.version = readVersion(this.agent, fs, p.dir);
        });
      }
      const ledgerChanged: LedgerEntry[] = [];
      let survival = 0;
      let settles = 0;
      let leftDirty = false;
      for (const e of this.ledger.files.values()) {
        const check = e.dirty || (e.exists !== false && !e.survivedInto && e.createdIn !== requestId);
        if (!check) continue;
        if (!e.dirty && ++survival > SURVIVAL_CHECKS_PER_PASS) continue;
        if (e.dirty && ++settles > SETTLES_PER_PASS) {
          leftDirty = true;
          continue;
        }
        const wasDirty = e.dirty;
        e.dirty = false;
        items.push(() => {
          settleEntry(this.agent, fs, e);
          let changed = wasDirty;
          if (e.exists === false) changed = this.ledger.gone(e) || changed;
          else if (!wasDirty && requestId) changed = this.ledger.confirm(e, requestId) || changed;
          if (changed) ledgerChanged.push(e);
        });
      }
      this.ledger.dirty = leftDirty;
      const tasks: Array<(next: () => void) => void> = [];
      if (!this.firstSent) {
        tasks.push((next) =>
          scanTmp(this.agent, fs, this.opts.tmpDir, this.opts.channelDir, (s) => {
            this.tmpState = s;
            next();
          }),
        );
      }
      batched(items, SYNC_BATCH, () =>
        pool(tasks, IO_CONCURRENCY, () => {
          try {
            this.send(requestId, ledgerChanged);
          } catch (e) {
            this.agent.internalError(e, 'posture.send');
          }
          done();
        }),
      );
    } catch (e) {
      this.agent.internalError(e, 'posture.pass');
      done();
    }
  }

  private send(requestId: string | undefined, ledgerChanged: LedgerEntry[]): void {
    if (!this.firstSent) {
      this.firstSent = true;
      // Packages loaded while this pass ran have no version yet: they go in the next update instead.
      const pending = this.unsentPackages.filter((p) => p.version === undefined);
      this.unsentPackages.splice(0, this.unsentPackages.length, ...pending);
      if (pending.length > 0) this.rerun = true;
      this.unsentBuiltins.length = 0;
      const inv = this.inventory;
      const data: Record<string, unknown> = {
        attach: this.opts.attach,
        node: process.version,
        taskRoot: this.agent.roots.taskRoot,
        runtimeDir: this.agent.roots.runtimeDir || undefined,
        firstRequestId: this.firstRequestId,
        modules: {
          count: inv.packages.size,
          files: inv.files,
          appFiles: inv.appFiles,
          truncated: inv.overflow,
          packages: [...inv.packages.values()].filter((p) => p.version !== undefined).map(packageView),
          builtins: [...new Set([...inv.builtins.values()].map((b) => b.builtin))],
          builtinUses: [...inv.builtins.values()].map((b) => ({
            builtin: b.builtin,
            package: b.package,
            loadedIn: seenLabel(b.first),
          })),
        },
        tmp: { ...this.tmpState, ledger: ledgerView(this.ledger, [...this.ledger.files.values()]) },
        harden: this.harden,
        integrity: { hooks: this.agent.hooks.patches.length },
      };
      this.agent.emit({ t: 'record', kind: 'agent_posture', data: fitRecord(data) });
      return;
    }
    const packages = this.unsentPackages.splice(0);
    const builtins = this.unsentBuiltins.splice(0);
    if (packages.length === 0 && builtins.length === 0 && ledgerChanged.length === 0) return;
    const data: Record<string, unknown> = { update: true, requestId };
    if (packages.length > 0 || builtins.length > 0)
      data.modules = {
        count: this.inventory.packages.size,
        packages: packages.map(packageView),
        builtinUses: builtins.map((b) => ({ builtin: b.builtin, package: b.package, loadedIn: seenLabel(b.first) })),
      };
    if (ledgerChanged.length > 0) data.tmp = { ledger: ledgerView(this.ledger, ledgerChanged) };
    this.agent.emit({ t: 'record', kind: 'agent_posture', data: fitRecord(data) });
  }
}
