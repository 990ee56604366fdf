import { Inject, Injectable } from '@nestjs/common';
import { SecretBox } from '@sheaf/crypto';
import { LocationConfigError } from '@sheaf/rclone';
import { DomainError } from '../common/domain-error';
import { API_CONFIG, type ApiConfig } from '../config';

/**
 * Seals secrets (service-account passwords, storage keys, webhook keys) with AES-256-GCM under
 * SHEAF_ENCRYPTION_KEY before they reach the database. The API never opens them: responses say
 * only whether a secret is set. Without a key (allowed outside production) writing a secret is
 * refused.
 */
@Injectable()
export class SecretsService {
  private readonly box: SecretBox | undefined;

  constructor(@Inject(API_CONFIG) config: ApiConfig) {
    this.box = config.encryptionKey ? SecretBox.fromBase64(config.encryptionKey, config.encryptionOldKeys) : undefined;
  }

  seal(plain: string): string {
    if (!this.box) {
      throw new DomainError('unavailable', 'encryption_key_missing', 'Secrets cannot be stored: SHEAF_ENCRYPTION_KEY is not configured');
    }
    return this.box.seal(plain);
  }

  /** For the API's own connection tests (storage and instrument test endpoints), never for responses. */
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
