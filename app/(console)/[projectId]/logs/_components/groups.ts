/** Links to the sessions and users views (traces grouped by session id and by user id). */
export const sessionHref = (slug: string, sessionId: string) => `/${slug}/logs/sessions/${encodeURIComponent(sessionId)}`;
export const userHref = (slug: string, userId: string) => `/${slug}/logs/users/${encodeURIComponent(userId)}`;
