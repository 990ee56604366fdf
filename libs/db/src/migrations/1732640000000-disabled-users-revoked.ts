import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Disabling or deleting a user now ends their sessions (`password_changed_at`) and revokes their
 * API tokens, so enabling or restoring them brings back neither. Users disabled or deleted
 * before kept both, which would come back with them: their live tokens are revoked and their
 * sessions ended here, as a disable or delete would now. Nothing is undone on the way down: a
 * revoked token stays revoked.
 */
export class DisabledUsersRevoked1732640000000 implements MigrationInterface {
  name = 'DisabledUsersRevoked1732640000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE api_tokens t SET revoked_at = now()
        FROM users u
       WHERE u.id = t.user_id AND t.revoked_at IS NULL AND (u.disabled_at IS NOT NULL OR u.deleted_at IS NOT NULL)`);
    await q.query(`UPDATE users SET password_changed_at = now() WHERE disabled_at IS NOT NULL OR deleted_at IS NOT NULL`);
  }

  async down(): Promise<void> {
    // Nothing to undo: see above.
  }
}
