import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Page } from '@sheaf/contracts';
import { HookEntity, InstrumentEntity } from '@sheaf/db';
import { HOOK_CONFIG_SCHEMAS, HOOK_KIND_PHASES, HOOK_KINDS, parseSealedHeaders, SEALED_HEADER_VALUE, validateHookConfig, withSealedValues, type HookKind, type HookPhase } from '@sheaf/hooks';
import { AuditService, REDACTED, redactedUrl } from '../audit/audit.service';
import { seesStoredCredentials, type Principal } from '../auth/principal';
import { DomainError, invalid, notFound } from '../common/domain-error';
import { messageOf } from '../common/error-message';
import { toPage } from '../common/pagination';
import { lockRow } from '../common/rows';
import { SecretsService } from '../secrets/secrets.service';
import type { CreateHookDto, HookDto, HookKindDto, HookQueryDto, UpdateHookDto } from './hooks.dto';

/** Kinds that sign with a secret. */
const SECRET_KINDS: readonly HookKind[] = ['webhook'];

/** A webhook's header values (an Authorization token, say) are secrets: write-only, like its signing key. */
function headersOf(kind: HookKind, config: unknown): Record<string, unknown> | undefined {
  if (kind !== 'webhook' || typeof config !== 'object' || config === null) return undefined;
  const headers = (config as { headers?: unknown }).headers;
  return typeof headers === 'object' && headers !== null && !Array.isArray(headers) ? (headers as Record<string, unknown>) : undefined;
}

/**
 * The config as the API shows it: every webhook header value is ***; without `showCredentials`
 * (seesStoredCredentials) a webhook's URL is its origin and /*** too (a Slack hook's path is its
 * secret). Tokens cannot change hooks, so a redacted URL is never sent back.
 */
function shownConfig(kind: HookKind, config: Record<string, unknown>, showCredentials = true): Record<string, unknown> {
  const url = config['url'];
  const shown = kind === 'webhook' && !showCredentials && typeof url === 'string' ? { ...config, url: redactedUrl(url) } : config;
  const headers = headersOf(kind, shown);
  if (!headers) return shown;
  return { ...shown, headers: Object.fromEntries(Object.keys(headers).map((name) => [name, SEALED_HEADER_VALUE])) };
}

/** A JSON value with every object's keys in order, so that two configs compare by content. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((key) => [key, canonical(record[key])]),
  );
}

/**
 * Whether a config sent on update differs from the stored one as the API shows it (header values
 * ***): the portal sends the config back with every save, also one that only disables the hook.
 */
function configChanged(kind: HookKind, stored: Record<string, unknown>, sent: Record<string, unknown>): boolean {
  return JSON.stringify(canonical(sent)) !== JSON.stringify(canonical(shownConfig(kind, stored)));
}

/** A header's field as the config's validation names fields: headers.Authorization, headers["X-Lab"]. */
const headerField = (name: string) => `config.headers${/^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`}`;

/** A webhook URL's scheme, host and port; undefined for what is not a URL (validation says why). */
function originOf(url: unknown): string | undefined {
  if (typeof url !== 'string' || !URL.canParse(url)) return undefined;
  return new URL(url).origin;
}

/**
 * A config sent back as the API showed it: a header whose value is *** keeps the value stored
 * under that name (names compare as HTTP does, without case). On create (`stored` undefined),
 * or for a header not stored before, *** is refused: it would be sent as the value. So is a ***
 * when the URL now points at another server (`storedUrl` another origin): a stored token goes
 * only to the server it was entered for, unless it is given again.
 */
function withStoredHeaders(
  kind: HookKind,
  config: Record<string, unknown>,
  stored: Record<string, unknown> | undefined,
  storedUrl?: unknown,
): Record<string, unknown> {
  const headers = headersOf(kind, config);
  if (!headers) return config;
  const [before, after] = [originOf(storedUrl), originOf(config['url'])];
  const kept = Object.keys(headers).find((name) => headers[name] === SEALED_HEADER_VALUE);
  if (kept !== undefined && before !== undefined && after !== undefined && before !== after) {
    const field = headerField(kept);
    throw invalid(field, `${field} is ${SEALED_HEADER_VALUE}, which stands for the value stored for ${before}; the URL now points at ${after}: send its value again`);
  }
  const merged = withSealedValues(headers, stored ?? {});
  const missing = Object.keys(headers).find((name) => !Object.hasOwn(merged, name));
  if (missing !== undefined) {
    const field = headerField(missing);
    throw invalid(field, `${field} is ${SEALED_HEADER_VALUE}, which stands for a stored value, but no such header is stored: send its value`);
  }
  return { ...config, headers: merged };
}

/**
 * Whether a stored row holds header values in clear in its config: a hook stored before they
 * were sealed (a *** there stands for a sealed value).
 */
function hasPlainHeaders(row: HookEntity): boolean {
  return Object.values(headersOf(row.kind, row.config) ?? {}).some((value) => value !== SEALED_HEADER_VALUE);
}

/**
 * The audit's only trace of a header value change (values are *** on both sides): the names of
 * headers whose value was set, changed or removed.
 */
function changedHeaders(before: Record<string, unknown> | undefined, after: Record<string, unknown> | undefined): { headersChanged?: string[] } {
  const lower = (headers: Record<string, unknown> | undefined) => new Map(Object.entries(headers ?? {}).map(([name, value]) => [name.toLowerCase(), { name, value }]));
  const old = lower(before);
  const now = lower(after);
  const names = [...new Set([...old.keys(), ...now.keys()])]
    .filter((key) => old.get(key)?.value !== now.get(key)?.value)
    .map((key) => (now.get(key) ?? old.get(key))!.name);
  return names.length ? { headersChanged: names.sort() } : {};
}

/**
 * The audit's only trace of a URL change its redaction hides (the same origin with another path
 * or query shows `https://host/***` on both sides).
 */
function changedUrl(before: HookDto, after: HookDto): { urlChanged?: true } {
  return before.config['url'] !== after.config['url'] ? { urlChanged: true } : {};
}

/** Why the stored config fails today's checks (it was saved under older rules), or null. */
function configProblemOf(row: HookEntity): string | null {
  try {
    checkHook(row.kind, row.phase, row.config);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** `configProblem` is given where the config was just checked (or cannot have changed). */
function toDto(row: HookEntity, configProblem = configProblemOf(row), showCredentials = true): HookDto {
  return {
    id: row.id,
    name: row.name,
    phase: row.phase,
    kind: row.kind,
    config: shownConfig(row.kind, row.config, showCredentials),
    hasSecret: Boolean(row.secretSealed),
    configProblem,
    instrumentId: row.instrumentId,
    priority: row.priority,
    enabled: row.enabled,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    deletedAt: row.deletedAt,
  };
}

function checkHook(kind: HookKind, phase: HookPhase, config: unknown): void {
  if (!HOOK_KIND_PHASES[kind].includes(phase)) {
    throw invalid('phase', `phase must be one of ${HOOK_KIND_PHASES[kind].join(', ')} for ${kind} hooks`);
  }
  const result = validateHookConfig(kind, config);
  if (!result.ok) {
    const [first] = result.errors;
    const field = first.field ? `config.${first.field}` : 'config';
    throw invalid(field, `${field} ${first.message}`);
  }
}

function withSecretNote(dto: HookDto, changed = false): HookDto | (HookDto & { secret: string; secretChanged?: true }) {
  return dto.hasSecret ? { ...dto, secret: REDACTED, ...(changed ? { secretChanged: true } : {}) } : dto;
}

/** Pre- and post-transfer hooks, global or per instrument, in priority order. Admins manage them. */
@Injectable()
export class HooksService implements OnApplicationBootstrap {
  private readonly logger = new Logger('hooks');

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly secrets: SecretsService,
  ) {}

  /**
   * Seals, before the API serves, the header values of webhooks stored in clear (before they were
   * sealed, or by an API without a key). A failure is logged: the next start tries again.
   */
  async onApplicationBootstrap(): Promise<void> {
    try {
      const { sealed, left } = await this.sealStoredHeaders();
      if (sealed) this.logger.log(`sealed the header values of ${sealed} webhook hook(s) stored in clear`);
      if (left) this.logger.warn(`${left} webhook hook(s) keep header values in clear: SHEAF_ENCRYPTION_KEY is not configured to seal them`);
    } catch (err) {
      this.logger.warn(`sealing the header values of webhook hooks stored in clear failed: ${messageOf(err)}`);
    }
    try {
      const broken = await this.enabledHooksWithConfigProblems();
      if (broken.length) {
        this.logger.warn(
          `${broken.length} enabled hook(s) fail today's config checks and hold every file they see until fixed or disabled (Hooks in the portal): ` +
            broken.map(({ name, problem }) => `${name}: ${problem}`).join('; '),
        );
      }
    } catch (err) {
      this.logger.warn(`checking the stored hook configs failed: ${messageOf(err)}`);
    }
  }

  /**
   * Enabled hooks whose stored config fails the checks of this release (saved under older rules:
   * an extglob !(...), an access name with a comma). The worker holds their files, each with the
   * reason; said at start-up too, so an upgrade that made them fail is seen at once.
   */
  private async enabledHooksWithConfigProblems(): Promise<Array<{ name: string; problem: string }>> {
    const rows = await this.dataSource.getRepository(HookEntity).find({ where: { enabled: true } });
    return rows.flatMap((row) => {
      const problem = configProblemOf(row);
      return problem === null ? [] : [{ name: row.name, problem }];
    });
  }

  /**
   * Seals the header values webhook hooks hold in clear in their config (deleted hooks too: a
   * restore brings them back), one transaction per hook; a hook another API sealed meanwhile is
   * left alone, and one that fails is logged and left as it is. Returns how many it sealed, and
   * how many it left for want of a key.
   */
  private async sealStoredHeaders(): Promise<{ sealed: number; left: number }> {
    const rows = (await this.dataSource.query(
      `SELECT id FROM hooks WHERE kind = 'webhook' AND jsonb_typeof(config -> 'headers') = 'object'
         AND EXISTS (SELECT 1 FROM jsonb_each(config -> 'headers') AS h (name, value) WHERE h.value <> to_jsonb($1::text))
       ORDER BY id`,
      [SEALED_HEADER_VALUE],
    )) as Array<{ id: string }>;
    if (!this.secrets.canSeal) return { sealed: 0, left: rows.length };
    let sealed = 0;
    for (const { id } of rows) {
      try {
        const done = await this.dataSource.transaction(async (tx) => {
          const row = await this.find(tx, id, true);
          if (!row || !hasPlainHeaders(row)) return false;
          const headers = this.storedHeaders(row, true);
          // Not an update by anyone: updated_at stays, and no audit event (the log never held the values).
          const stored = this.sealedHeaders(row.kind, { ...row.config, headers });
          await tx.query(`UPDATE hooks SET config = $2, headers_sealed = $3 WHERE id = $1`, [id, stored.config, stored.headersSealed]);
          return true;
        });
        if (done) sealed++;
      } catch (err) {
        this.logger.warn(`hook ${id}: its header values stored in clear could not be sealed: ${messageOf(err)}`);
      }
    }
    return { sealed, left: 0 };
  }

  kinds(): HookKindDto[] {
    return HOOK_KINDS.map((kind) => ({ kind, phases: [...HOOK_KIND_PHASES[kind]], schema: HOOK_CONFIG_SCHEMAS[kind], usesSecret: SECRET_KINDS.includes(kind) }));
  }

  private find(manager: EntityManager, id: string, lock = false): Promise<HookEntity | null> {
    const qb = manager.getRepository(HookEntity).createQueryBuilder('h').withDeleted().addSelect('h.secretSealed').addSelect('h.headersSealed').where('h.id = :id', { id });
    return (lock ? qb.setLock('pessimistic_write') : qb).getOne();
  }

  /**
   * A webhook's stored header values: its config's, with each *** replaced by the value sealed
   * apart (a hook stored before they were sealed holds them in its config). When the sealed values
   * do not open (no key, another key sealed them), `required` says whether that is an error (a ***
   * sent back stands for one of them) or the values stay *** (enough to name changed headers).
   */
  private storedHeaders(row: HookEntity, required: boolean): Record<string, unknown> | undefined {
    const headers = headersOf(row.kind, row.config);
    if (!headers || !row.headersSealed) return headers;
    let opened: Record<string, unknown>;
    try {
      opened = parseSealedHeaders(this.secrets.open(row.headersSealed));
    } catch (err) {
      if (!required) return headers;
      if (err instanceof DomainError) throw err;
      throw invalid('config.headers', `config.headers: the stored header values cannot be opened (${messageOf(err)}): send each header's value instead of ${SEALED_HEADER_VALUE}`);
    }
    // A *** with no value behind it is left out: the caller treats the header as not stored.
    return withSealedValues(headers, opened);
  }

  /**
   * A config as stored: a webhook's header values sealed apart (refused without a key, like any
   * secret), the config keeping their names with *** as values. No headers need no key.
   */
  private sealedHeaders(kind: HookKind, config: Record<string, unknown>): { config: Record<string, unknown>; headersSealed: string | null } {
    const headers = headersOf(kind, config);
    if (!headers || !Object.keys(headers).length) return { config, headersSealed: null };
    return { config: shownConfig(kind, config), headersSealed: this.secrets.seal(JSON.stringify(headers)) };
  }

  private async assertInstrument(tx: EntityManager, instrumentId: string | null | undefined): Promise<void> {
    if (instrumentId && !(await tx.getRepository(InstrumentEntity).existsBy({ id: instrumentId }))) throw notFound('Instrument', 'instrumentId');
  }

  /** Ordered as they run: global and per-instrument together by priority, then id. */
  async list(viewer: Principal, query: HookQueryDto): Promise<Page<HookDto>> {
    const qb = this.dataSource
      .getRepository(HookEntity)
      .createQueryBuilder('h')
      .withDeleted()
      .addSelect('h.secretSealed')
      .where(query.deleted ? 'h.deleted_at IS NOT NULL' : 'h.deleted_at IS NULL');
    if (query.phase) qb.andWhere('h.phase = :phase', { phase: query.phase });
    if (query.kind) qb.andWhere('h.kind = :kind', { kind: query.kind });
    if (query.enabled !== undefined) qb.andWhere('h.enabled = :enabled', { enabled: query.enabled });
    if (query.instrumentId) qb.andWhere('(h.instrument_id IS NULL OR h.instrument_id = :instrumentId)', { instrumentId: query.instrumentId });
    const [rows, total] = await qb.orderBy('h.priority').addOrderBy('h.id').take(query.limit).skip(query.offset).getManyAndCount();
    return toPage(rows, total, query, (row) => toDto(row, undefined, seesStoredCredentials(viewer)));
  }

  async get(viewer: Principal, id: string): Promise<HookDto> {
    const row = await this.find(this.dataSource.manager, id);
    if (!row) throw notFound('Hook');
    return toDto(row, undefined, seesStoredCredentials(viewer));
  }

  create(actor: Principal, body: CreateHookDto): Promise<HookDto> {
    checkHook(body.kind, body.phase, body.config);
    const config = withStoredHeaders(body.kind, body.config, undefined);
    if (body.secret !== undefined && !SECRET_KINDS.includes(body.kind)) throw invalid('secret', `${body.kind} hooks use no secret`);
    // The worker holds a webhook's files while it has no key to sign with: ask for one up front.
    if (body.secret === undefined && SECRET_KINDS.includes(body.kind)) throw invalid('secret', `${body.kind} hooks need a signing secret`);
    const secretSealed = body.secret === undefined ? null : this.secrets.seal(body.secret);
    const stored = this.sealedHeaders(body.kind, config);
    return this.dataSource.transaction(async (tx) => {
      await this.assertInstrument(tx, body.instrumentId);
      const repo = tx.getRepository(HookEntity);
      const row = await repo.save(
        repo.create({
          name: body.name.trim(),
          phase: body.phase,
          kind: body.kind,
          config: stored.config,
          secretSealed,
          headersSealed: stored.headersSealed,
          instrumentId: body.instrumentId ?? null,
          priority: body.priority ?? 100,
          enabled: body.enabled ?? true,
        }),
      );
      const after = toDto(row, null);
      await this.audit.record(tx, actor, { action: 'hook.created', entityType: 'hook', entityId: row.id, after: withSecretNote(after) });
      return after;
    });
  }

  update(actor: Principal, id: string, body: UpdateHookDto): Promise<HookDto> {
    return this.dataSource.transaction(async (tx) => {
      const row = await lockRow(tx, HookEntity, id, 'Hook', false, ['secretSealed', 'headersSealed']);
      const problem = configProblemOf(row);
      const before = toDto(row, problem);
      const was = { phase: row.phase, enabled: row.enabled, instrumentId: row.instrumentId };
      // Sent back as shown (the portal sends every field with each save), the config is no change:
      // neither checked again nor sealed again.
      const newConfig = body.config !== undefined && configChanged(row.kind, row.config, body.config) ? body.config : undefined;
      let headersChanged: { headersChanged?: string[] } = {};
      if (body.name !== undefined) row.name = body.name.trim();
      if (body.phase !== undefined) row.phase = body.phase;
      if (newConfig !== undefined) {
        // Opened only when headers are sent (they are sealed again, so a key is needed anyway);
        // a value that does not open is needed only where *** stands for it.
        const sent = Object.values(headersOf(row.kind, newConfig) ?? {});
        const stored = sent.length ? this.storedHeaders(row, sent.includes(SEALED_HEADER_VALUE)) : headersOf(row.kind, row.config);
        row.config = withStoredHeaders(row.kind, newConfig, stored, row.config['url']);
        headersChanged = changedHeaders(stored, headersOf(row.kind, row.config));
      }
      if (body.instrumentId !== undefined) row.instrumentId = body.instrumentId;
      if (body.priority !== undefined) row.priority = body.priority;
      if (body.enabled !== undefined) row.enabled = body.enabled;
      // A stored config checked by older rules may fail today's (a pattern RE2 refuses): it can
      // still be disabled, renamed or moved, also with the unchanged config and phase sent back;
      // a changed config or phase, or enabling a disabled hook, is checked.
      const checked = newConfig !== undefined || row.phase !== was.phase || (row.enabled && !was.enabled);
      if (checked) checkHook(row.kind, row.phase, row.config);
      if (newConfig !== undefined) Object.assign(row, this.sealedHeaders(row.kind, row.config));
      if (body.secret !== undefined) {
        if (!SECRET_KINDS.includes(row.kind)) throw invalid('secret', `${row.kind} hooks use no secret`);
        row.secretSealed = this.secrets.seal(body.secret);
      }
      // Only a new instrument must exist: a hook of an instrument deleted since keeps it, and stays editable.
      if (row.instrumentId !== was.instrumentId) await this.assertInstrument(tx, row.instrumentId);
      const after = toDto(await tx.getRepository(HookEntity).save(row), checked ? null : problem);
      await this.audit.record(tx, actor, {
        action: 'hook.updated',
        entityType: 'hook',
        entityId: id,
        before: withSecretNote(before),
        after: { ...withSecretNote(after, body.secret !== undefined), ...headersChanged, ...changedUrl(before, after) },
      });
      return after;
    });
  }

  remove(actor: Principal, id: string): Promise<HookDto> {
    return this.setDeleted(actor, id, true);
  }

  restore(actor: Principal, id: string): Promise<HookDto> {
    return this.setDeleted(actor, id, false);
  }

  private setDeleted(actor: Principal, id: string, deleted: boolean): Promise<HookDto> {
    return this.dataSource.transaction(async (tx) => {
      const row = await lockRow(tx, HookEntity, id, 'Hook', !deleted, ['secretSealed']);
      const before = toDto(row);
      row.deletedAt = deleted ? new Date() : null;
      // Restored enabled, a config today's checks refuse would hold every file it sees: it comes
      // back disabled, as `update` refuses to enable it, until its config is mended.
      if (!deleted && row.enabled && before.configProblem) row.enabled = false;
      const after = toDto(await tx.getRepository(HookEntity).save(row), before.configProblem);
      await this.audit.record(tx, actor, { action: deleted ? 'hook.deleted' : 'hook.restored', entityType: 'hook', entityId: id, before, after });
      return after;
    });
  }
}
