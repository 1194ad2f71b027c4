/**
 * The demo project's rated calls (seed.ts): prompts of mixed difficulty, each with the category the
 * demo rubric reads. Rubric (deterministic, for the demo only): the small model's answer is rated
 * good (thumbs up) on `greeting` and `lookup` prompts and bad (thumbs down) on `reasoning`, `code`
 * and `explanation` prompts, which need multi-step reasoning, working code or a long explanation.
 * 28 easy and 12 hard prompts: 30% of the calls "need" the large model, the share the demo router is
 * calibrated to, so its threshold falls between the two groups.
 */
export type DemoCategory = "greeting" | "lookup" | "reasoning" | "code" | "explanation";

export const HARD_CATEGORIES: ReadonlySet<DemoCategory> = new Set(["reasoning", "code", "explanation"]);

export const DEMO_PROMPTS: readonly { category: DemoCategory; prompt: string }[] = [
  { category: "greeting", prompt: "Hi there!" },
  { category: "greeting", prompt: "Hello, how are you today?" },
  { category: "greeting", prompt: "Good morning" },
  { category: "greeting", prompt: "Thanks, that was helpful." },
  { category: "greeting", prompt: "Hey, what's up?" },
  { category: "greeting", prompt: "Have a nice weekend!" },
  { category: "greeting", prompt: "Bye for now" },
  { category: "greeting", prompt: "Nice to meet you." },
  { category: "greeting", prompt: "Good night!" },
  { category: "greeting", prompt: "Sorry, wrong chat." },
  { category: "lookup", prompt: "What is the capital of France?" },
  { category: "lookup", prompt: "How many days are in a leap year?" },
  { category: "lookup", prompt: "Translate 'cat' into Spanish." },
  { category: "lookup", prompt: "What color is the sky on a clear day?" },
  { category: "lookup", prompt: "Who wrote Hamlet?" },
  { category: "lookup", prompt: "What is 2 + 2?" },
  { category: "lookup", prompt: "Spell the word necessary." },
  { category: "lookup", prompt: "What is the boiling point of water in Celsius?" },
  { category: "lookup", prompt: "Name a primary color." },
  { category: "lookup", prompt: "What day comes after Monday?" },
  { category: "lookup", prompt: "Is a tomato a fruit?" },
  { category: "lookup", prompt: "What is the plural of mouse?" },
  { category: "lookup", prompt: "How many legs does a spider have?" },
  { category: "lookup", prompt: "What is the opposite of hot?" },
  { category: "lookup", prompt: "Which planet is closest to the sun?" },
  { category: "lookup", prompt: "What language is spoken in Brazil?" },
  { category: "lookup", prompt: "How many minutes are in an hour?" },
  { category: "lookup", prompt: "What is the chemical symbol for gold?" },
  {
    category: "reasoning",
    prompt:
      "A train leaves at 9:40 and travels 210 km at 84 km/h, then waits 25 minutes and travels another 96 km at 64 km/h. At what time does it arrive? Show each step of the calculation.",
  },
  {
    category: "reasoning",
    prompt:
      "Three friends split a bill of $187.50. Anna pays twice what Ben pays, and Carl pays $12.50 more than Ben. How much does each person pay? Explain your reasoning step by step.",
  },
  {
    category: "reasoning",
    prompt:
      "If all bloops are razzies and some razzies are lazzies, can we conclude that some bloops are lazzies? Walk through the logic carefully and give a counterexample if the conclusion does not follow.",
  },
  {
    category: "reasoning",
    prompt:
      "We have 8 balls, one slightly heavier than the others, and a balance scale we may use twice. Describe a strategy that always finds the heavy ball, and prove that it works in every case.",
  },
  {
    category: "code",
    prompt:
      "Write a TypeScript function that merges two sorted arrays of numbers into one sorted array in O(n) time, with unit tests for empty inputs, duplicates and negative numbers.",
  },
  {
    category: "code",
    prompt:
      "Write a SQL query over orders(id, customer_id, total, created_at) that returns, for each customer, their three largest orders in 2024 together with the running total per customer, ordered by customer and date.",
  },
  {
    category: "code",
    prompt:
      "Here is a Python function that is supposed to deduplicate a list while keeping order: `def dedup(xs): return list(set(xs))`. Explain the bug, then rewrite it correctly and add type hints and a docstring.",
  },
  {
    category: "code",
    prompt:
      "Implement an LRU cache class in JavaScript with get(key) and set(key, value) in O(1) time and a fixed capacity; explain which data structures you use and why eviction is constant time.",
  },
  {
    category: "explanation",
    prompt:
      "Explain in detail how public-key cryptography lets two strangers agree on a secret over an insecure channel, covering Diffie-Hellman, why discrete logarithms are hard, and what a man-in-the-middle attack does.",
  },
  {
    category: "explanation",
    prompt:
      "Write a thorough explanation of how a transformer language model generates text: tokenization, embeddings, self-attention, the feed-forward layers, and sampling with temperature and top-p. Use an example sentence.",
  },
  {
    category: "explanation",
    prompt:
      "Compare optimistic and pessimistic concurrency control in databases. When does each perform better, how do isolation levels interact with them, and what failure modes should an engineer watch for in production?",
  },
  {
    category: "explanation",
    prompt:
      "Explain how TCP congestion control works, from slow start and congestion avoidance to fast retransmit and fast recovery, and why modern algorithms like BBR take a different approach.",
  },
];
