export { hashPassword, verifyPassword } from './passwords';
export { SecretBox } from './secret-box';
