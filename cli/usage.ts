/**
 * The usage text of `keel`, in a module that imports nothing: `keel --help` prints it without loading
 * any command. Each command's part is here only (the command modules used to hold their own copies).
 */

export const USERS_USAGE = `  users create --email E [--password P] [--name N] [--admin]
                                a generated password is printed once when --password is left out
  users set-admin EMAIL [--off]  make (or, with --off, unmake) an instance admin
  users reset-password --email E [--password P]
                                set a password (printed when generated) and end the user's sessions
`;
export const MODELS_USAGE = `  models register NAME --path DIR|FILE [--from-run RUN_ID] [--project SLUG]
  models register NAME --from-run RUN_ID              the run's artifacts, params and metrics as a new version
  models promote NAME VERSION --alias ALIAS [--reason R]   200-style move, or an approval request where a policy says so
  models resolve NAME@ALIAS|NAME:VERSION
  models download NAME@ALIAS|NAME:VERSION --to DIR    every file, sha256-checked
`;
export const ROUTER_USAGE = `  router eval --data FILE.jsonl [--train-frac 0.5] [--seed 1[,2,...]] [--margin 0] [--scores-out SCORES.jsonl]
              [--embedding tiny-bert-embed|none]
                                APGR and CPT(50%), CPT(80%) of the random, length, learned, tfidf, knn, mlp and mf
                                routers on lines {"prompt", "small_quality", "large_quality"} (read as a stream, up
                                to 256 MiB); knn, mlp and mf need the embedding model (skipped with none); several
                                seeds give the mean and spread over their splits; no database needed
`;
export const TUNE_USAGE = `  tune start --project SLUG --base MODEL[@ALIAS|:VERSION] --data FILE.jsonl|FILE.tsv|DATASET[@VERSION]
             --method head|lora|full [--text-field F --label-field F] [--epochs N] [--max-steps N] [--seed N]
             [--output-model NAME] [--wait]
                                  a file becomes a dataset version in the job's transaction (a refused job
                                  leaves none); --wait prints the finished job
  tune start ... --from-logs DATASET [--tags A,B] [--rating NAME[>=MIN]] [--held-out 0.2]   (instead of --data)
                                  the dataset version is built from logged traces (chat rows for lora/full,
                                  deduplicated, a held-out split) in the job's transaction
                                  (a worker of \`keel start\` runs it, or this command when none can)
`;
export const WORKERS_USAGE = `  workers pool create NAME [--projects SLUG,SLUG]   a named set of projects for remote workers (none: every project)
  workers pool list
  workers token create [--pool NAME] [--name N]      a worker token (wk_..., shown once); no pool: every project
  workers token list                                 every token (prefix, pool, revoked)
  workers token revoke ID|PREFIX                     its workers' next request is refused (401)
`;
export const DRIFT_USAGE = `  drift stats [--input FILE.jsonl] [--output FILE.jsonl] [--keep-going]
                                drift statistics (scipy / Evidently semantics) per JSONL line: ks_2samp, chisquare,
                                chi2_contingency, wasserstein_distance, jensenshannon, psi, chi2_sf, kstwo_sf,
                                kstwobign_sf, column; stdin/stdout by default, no database needed
`;
export const EVAL_USAGE = `  eval run --project SLUG (--dataset NAME[@VERSION] | --data FILE.jsonl --dataset-name NAME) --target TARGET
           [--template TEXT] [--template-kind chat|completion] [--prompt NAME[@LABEL|:VERSION]] [--scorer rouge,bleu,chrf,exact_match] [--scorers FILE.json]
           [--gate "rougeL.fmeasure >= 0.4"]... [--baseline RUN] [--max-cost USD] [--name NAME] [--wait]
           [--url URL --key sk_...]
                                  an eval run for CI: TARGET is deployment:NAME, model:NAME@ALIAS, model:NAME:VERSION,
                                  router:NAME or predictions (a bare NAME: a deployment); a file's rows {"input",
                                  "references": [...]} become a dataset version in the run's transaction; the template's
                                  {{input}}, {{input.KEY}}, {{metadata.KEY}}, {{references.0}} are filled from each row;
                                  --prompt: a registry prompt version instead of a template (label default production), its
                                  {{variables}} filled from each row's input keys (a text input: {{input}});
                                  --scorers: a JSON array of judge, embedding, regex and json scorers as the API takes them.
                                  --wait prints the run's figures and each gate (a rule over them, as eval gates take;
                                  baseline.FIGURE with --baseline, a run id or the newest succeeded run of that name);
                                  a worker of \`keel start\` runs it, or this command when none is online.
                                  --url/--key: a remote Keel over its REST API. Exit 1: a gate failed or the run did not
                                  succeed; 2: bad usage (flags, file, target, template)
`;
export const ARTIFACTS_USAGE = `  artifacts migrate --to s3://BUCKET/PREFIX
                                copy every blob of the local artifact store (KEEL_ARTIFACTS_DIR, else <data dir>/artifacts)
                                to an S3-compatible bucket (KEEL_S3_ENDPOINT, KEEL_S3_REGION, KEEL_S3_ACCESS_KEY_ID,
                                KEEL_S3_SECRET_ACCESS_KEY, KEEL_S3_FORCE_PATH_STYLE), read each back and check its sha256;
                                idempotent; prints counts; exit 1 when a blob failed. Then set KEEL_ARTIFACTS_URL to it
`;
export const PROMPTS_USAGE = `  prompts create --project SLUG --name N (--text T | --file F.json|F.txt) [--label L]... [--tag T]... [--config JSON]
                                a prompt or its next version: a .json file holds chat messages ([{"role", "content"}])
                                or {"prompt"|"messages", "config"}, any other file is the text; {{variables}} as the API;
                                --tag: the prompt's tags become these (all versions share them; none given: unchanged)
  prompts get NAME [--label L|--version V]      a version (neither: the production label)
  prompts list [--tag T]                        every prompt (or those tagged T) with its latest version, labels, tags
  prompts label NAME LABEL --version V [--reason R]
                                point a label at a version (an approval request or a failed gate where a policy says so)
                                every prompts command: --project SLUG on this machine's database, or --url URL --key sk_...
                                a remote Keel over its REST API (the key's project). Exit 1: refused; 2: bad usage
`;

export const USAGE = `keel <command> [options]   (every command takes --json)

  start                         migrate, seed the demo on first start (KEEL_DEMO=0: none), serve the web app on HOST:PORT
                                (127.0.0.1:3000) and run one worker
  worker                        run a worker (any number, on any machines sharing the database)
  worker --server URL --token wk_... [--name N]
                                a remote tuning worker: Keel's HTTP API only (no database, no shared disk); it runs
                                the jobs of its token's pool that its trainers and GPUs can
  migrate                       apply database migrations
  seed                          create the demo project if it is missing
${USERS_USAGE}  projects create NAME [--slug S] [--owner EMAIL]
  keys create --project SLUG [--name N] [--as EMAIL] [--public --origin URL ...]
              [--rpm N] [--tpm N] [--budget USD [--budget-period day|month] [--budget-mode hard|soft]]
              [--models deployment,router:name] [--expires DATE]   gateway limits of a secret key
  score [--input FILE.jsonl] [--output FILE.jsonl] [--corpus] [--keep-going]
                                BLEU, chrF and ROUGE (sacrebleu / rouge-score semantics) over JSONL; stdin/stdout by default
${MODELS_USAGE}${ARTIFACTS_USAGE}${ROUTER_USAGE}${TUNE_USAGE}${EVAL_USAGE}${DRIFT_USAGE}${PROMPTS_USAGE}`;
