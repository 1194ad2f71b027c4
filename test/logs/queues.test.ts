import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestBatch } from "../../server/logs";
import { chatEvents } from "../factories/logs";
import { callerFor, makeMember, makeProject } from "../factories/workspace";
import { freshDatabase, type TestDatabase } from "../helpers/db";

let d: TestDatabase;
beforeAll(async () => {
  d = await freshDatabase();
});
afterAll(() => d.drop());

async function setup(n: number, requiredRatings = 1) {
  const { project, owner } = await makeProject(d.db);
  const tag = `q-${Math.random().toString(36).slice(2, 8)}`;
  const traceIds: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = chatEvents({ tags: [tag] });
    traceIds.push(c.traceId);
    await ingestBatch(d.db, project.id, c.events, { source: "api" });
  }
  const api = callerFor(d.db, owner.principal);
  const good = await api.logs.scoreConfigs.create({ projectId: project.id, name: "good", dataType: "boolean" });
  const stars = await api.logs.scoreConfigs.create({ projectId: project.id, name: "stars", dataType: "numeric", min: 1, max: 5 });
  const queue = await api.logs.queues.create({
    projectId: project.id,
    name: "review",
    scoreConfigIds: [good.id, stars.id],
    requiredRatings,
  });
  const { added } = await api.logs.queues.addItems({ projectId: project.id, queueId: queue.id, items: { filter: { tags: [tag] } } });
  expect(added).toBe(n);
  return { project, owner, api, queue, traceIds };
}

describe("annotation queues", () => {
  it("serves each item to one reviewer at a time, and a reviewer works through the queue", async () => {
    const { project, queue } = await setup(3);
    const a = callerFor(d.db, (await makeMember(d.db, project.id, "annotator")).principal);
    const b = callerFor(d.db, (await makeMember(d.db, project.id, "annotator")).principal);
    const first = await a.logs.queues.next({ projectId: project.id, queueId: queue.id });
    const again = await a.logs.queues.next({ projectId: project.id, queueId: queue.id });
    expect(again?.itemId).toBe(first?.itemId); // your own lock comes back to you
    const other = await b.logs.queues.next({ projectId: project.id, queueId: queue.id });
    expect(other?.itemId).not.toBe(first?.itemId); // locked items are not handed to others
    await expect(
      b.logs.queues.complete({ projectId: project.id, itemId: first?.itemId ?? "", ratings: [{ name: "good", value: true }] }),
    ).rejects.toMatchObject({ code: "CONFLICT" });

    let count = 0;
    for (let item = first; item; item = await a.logs.queues.next({ projectId: project.id, queueId: queue.id })) {
      await a.logs.queues.complete({
        projectId: project.id,
        itemId: item.itemId,
        ratings: [
          { name: "good", value: true },
          { name: "stars", value: 4 },
        ],
      });
      count++;
    }
    expect(count).toBe(2); // b still holds the third
    const stats = await a.logs.queues.stats({ projectId: project.id, queueId: queue.id });
    expect(stats).toMatchObject({ total: 3, done: 2, mine: 2 });
    const [listed] = await a.logs.queues.list({ projectId: project.id });
    expect(listed).toMatchObject({ id: queue.id, total: 3, done: 2 });
  });

  it("refuses a rating outside its config, naming it, and leaves the item locked and undone", async () => {
    const { project, queue, api } = await setup(1);
    const item = await api.logs.queues.next({ projectId: project.id, queueId: queue.id });
    await expect(
      api.logs.queues.complete({ projectId: project.id, itemId: item?.itemId ?? "", ratings: [{ name: "stars", value: 9 }] }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: 'ratings[0].value: 9 is outside 1..5 (score config "stars", numeric)',
    });
    expect(await api.logs.queues.stats({ projectId: project.id, queueId: queue.id })).toMatchObject({ done: 0, mine: 0 });
    const again = await api.logs.queues.next({ projectId: project.id, queueId: queue.id });
    expect(again?.itemId).toBe(item?.itemId);
  });

  it("needs two reviewers when requiredRatings is 2, and reports their agreement", async () => {
    const { project, queue } = await setup(4, 2);
    const a = callerFor(d.db, (await makeMember(d.db, project.id, "annotator")).principal);
    const b = callerFor(d.db, (await makeMember(d.db, project.id, "annotator")).principal);
    // in serving order a says T,F,T,F and b says T,F,T,T: they disagree on the last item
    let n = 0;
    for (
      let it = await a.logs.queues.next({ projectId: project.id, queueId: queue.id });
      it;
      it = await a.logs.queues.next({ projectId: project.id, queueId: queue.id })
    ) {
      await a.logs.queues.complete({ projectId: project.id, itemId: it.itemId, ratings: [{ name: "good", value: n++ % 2 === 0 }] });
    }
    expect((await a.logs.queues.stats({ projectId: project.id, queueId: queue.id })).done).toBe(0);
    let m = 0;
    for (
      let it = await b.logs.queues.next({ projectId: project.id, queueId: queue.id });
      it;
      it = await b.logs.queues.next({ projectId: project.id, queueId: queue.id })
    ) {
      await b.logs.queues.complete({
        projectId: project.id,
        itemId: it.itemId,
        ratings: [{ name: "good", value: m === 3 ? true : m % 2 === 0 }],
      });
      m++;
    }
    const stats = await b.logs.queues.stats({ projectId: project.id, queueId: queue.id });
    expect(stats.done).toBe(4);
    const good = stats.agreement.find((x) => x.name === "good");
    // po = 3/4, pe = 1/2 * 3/4 + 1/2 * 1/4 = 1/2 -> kappa = 1/2; alpha = 1 - (2/8) / (2*5*3/(8*7)) = 8/15
    expect(good).toMatchObject({ items: 4, raters: 2 });
    expect(good?.kappa).toBeCloseTo(0.5, 10);
    expect(good?.alpha).toBeCloseTo(8 / 15, 10);
  });

  it("lets a reviewer skip, keeps viewers and unassigned members out", async () => {
    const { project, queue, api } = await setup(2);
    const item = await api.logs.queues.next({ projectId: project.id, queueId: queue.id });
    await api.logs.queues.skip({ projectId: project.id, itemId: item?.itemId ?? "" });
    const next = await api.logs.queues.next({ projectId: project.id, queueId: queue.id });
    expect(next?.itemId).not.toBe(item?.itemId);
    const viewer = callerFor(d.db, (await makeMember(d.db, project.id, "viewer")).principal);
    await expect(viewer.logs.queues.next({ projectId: project.id, queueId: queue.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const assigned = await makeMember(d.db, project.id, "annotator");
    const outsider = callerFor(d.db, (await makeMember(d.db, project.id, "annotator")).principal);
    const scoped = await api.logs.queues.create({
      projectId: project.id,
      name: "scoped",
      scoreConfigIds: queue.scoreConfigIds,
      assigneeIds: [assigned.user.id],
    });
    await expect(outsider.logs.queues.next({ projectId: project.id, queueId: scoped.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
