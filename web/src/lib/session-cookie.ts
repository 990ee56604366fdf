/** Name of the httpOnly cookie holding the API access token. Shared by the route handler and pages. */
export const SESSION_COOKIE = 'sheaf_session';
