import { Inject, Injectable } from '@nestjs/common';
import { SecretBox } from '@sheaf/crypto';
import { LocationConfigError } from '@sheaf/rclone';
import { DomainError } from '../common/domain-error';
import { API_CONFIG, type ApiConfig } from '../config';

/**
 * Seals secrets (service-account passwords, storage keys, webhook keys and header values) with
 * AES-256-GCM under SHEAF_ENCRYPTION_KEY before they reach the database. No response holds them:
 * responses say only whether a secret is set (or show ***). Without a key (allowed outside
 * production) writing a secret is refused.
 */
@Injectable()
export class SecretsService {
  private readonly box: SecretBox | undefined;

  constructor(@Inject(API_CONFIG) config: ApiConfig) {
    this.box = config.encryptionKey ? SecretBox.fromBase64(config.encryptionKey, config.encryptionOldKeys) : undefined;
  }

  /** Whether a key is configured, so that `seal` works. */
  get canSeal(): boolean {
    return this.box !== undefined;
  }

  seal(plain: string): string {
    if (!this.box) {
      throw new DomainError('unavailable', 'encryption_key_missing', 'Secrets cannot be stored: SHEAF_ENCRYPTION_KEY is not configured');
    }
    return this.box.seal(plain);
  }

  /**
   * For the API's own use, never for responses: connection tests (storage and instrument test
   * endpoints), and a webhook's header values sent back as *** (kept, so sealed again).
   */
  open(sealed: string): string {
    if (!this.box) {
      throw new DomainError('unavailable', 'encryption_key_missing', 'Secrets cannot be opened: SHEAF_ENCRYPTION_KEY is not configured');
    }
    try {
      return this.box.open(sealed);
    } catch (err) {
      // 422, said plainly: another SHEAF_ENCRYPTION_KEY sealed it (a changed key), or the row was altered.
      throw new LocationConfigError(`${(err as Error).message}; set the secret again, or give the key that sealed it in SHEAF_ENCRYPTION_OLD_KEYS`);
    }
  }
}
