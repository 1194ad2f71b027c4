import postgres from "postgres";

/** pg_advisory_lock key shared by every Keel process: one role setup at a time per server. */
const ROLE_LOCK = 7_314_159_002;

/**
 * The embedded server's app role: a non-superuser that owns the app's database, so a query that
 * goes wrong (or an injected one) cannot read files, run programs or touch other databases.
 * CREATEDB only so that the test suite can clone its template databases. Idempotent, run on every
 * start and attach: it creates the role and database on a fresh data dir, and on a data dir from
 * before the role it hands the superuser's objects in that database (tables, sequences, functions,
 * types, schemas: Keel's and graphile-worker's) to the role, so that migrations run as their owner.
 */
export async function ensureAppRole(adminUrl: string, database: string, appUser: string, appPassword: string): Promise<void> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin`SELECT pg_advisory_lock(${ROLE_LOCK})`;
    try {
      const [role] = await admin`SELECT 1 FROM pg_roles WHERE rolname = ${appUser}`;
      const verb = role ? "ALTER" : "CREATE";
      await admin.unsafe(
        `${verb} ROLE ${ident(appUser)} WITH LOGIN NOSUPERUSER CREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD ${literal(appPassword)}`,
      );
      const [db] = await admin`SELECT 1 FROM pg_database WHERE datname = ${database}`;
      if (!db) await admin.unsafe(`CREATE DATABASE ${ident(database)} OWNER ${ident(appUser)}`);
      else await admin.unsafe(`ALTER DATABASE ${ident(database)} OWNER TO ${ident(appUser)}`);
    } finally {
      await admin`SELECT pg_advisory_unlock(${ROLE_LOCK})`;
    }
  } finally {
    await admin.end({ timeout: 5 });
  }
  const u = new URL(adminUrl);
  u.pathname = `/${database}`;
  const inDb = postgres(u.toString(), { max: 1, onnotice: () => {} });
  try {
    await inDb.unsafe(reassignSql(appUser));
  } finally {
    await inDb.end({ timeout: 5 });
  }
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
const literal = (s: string) => `'${s.replaceAll("'", "''")}'`;

/**
 * Objects in the app's schemas still owned by someone else (the superuser, before the app role
 * existed) pass to the app role. REASSIGN OWNED cannot be used: the bootstrap superuser owns the
 * system catalogs. Sequences owned by a column follow their table; indexes follow their table.
 * The role name is inlined as a literal (a DO block takes no parameters).
 */
export function reassignSql(appUser: string): string {
  const role = literal(appUser);
  return `
DO $$
DECLARE
  app name := ${role};
  r record;
BEGIN
  FOR r IN SELECT n.nspname FROM pg_namespace n
    WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
      AND pg_get_userbyid(n.nspowner) NOT IN (app, 'pg_database_owner')
  LOOP
    EXECUTE format('ALTER SCHEMA %I OWNER TO %I', r.nspname, app);
  END LOOP;
  FOR r IN SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
      AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      AND pg_get_userbyid(c.relowner) <> app
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass
                      AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') AND c.relkind = 'S')
  LOOP
    EXECUTE format('ALTER %s %I.%I OWNER TO %I',
      CASE r.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                     WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, r.nspname, r.relname, app);
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS sig, p.prokind FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
      AND pg_get_userbyid(p.proowner) <> app
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('ALTER %s %s OWNER TO %I', CASE r.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END, r.sig, app);
  END LOOP;
  FOR r IN SELECT n.nspname, t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
      AND t.typtype IN ('e', 'd', 'r', 'c') AND (t.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
      AND pg_get_userbyid(t.typowner) <> app
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('ALTER TYPE %I.%I OWNER TO %I', r.nspname, r.typname, app);
  END LOOP;
END $$;`;
}
