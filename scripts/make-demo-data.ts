/**
 * Writes the bundled demo dataset `public/demo/demo-preferences.jsonl`: ~2,000 synthetic preference pairs with
 * the columns the paper's inference scripts save. Texts come from hand-written topic templates; numbers are
 * seeded random draws shaped like ArmoRM scores and SimPO log-probs. Deterministic: same seed, same bytes.
 *
 * Run: npx tsx scripts/make-demo-data.ts
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { simpoMargin } from "@/lib/metrics/margin-formulas";
import { createMulberry32 } from "@/lib/metrics/random";

/** Seed of the committed file. */
export const DEMO_SEED = 20250611;
/** Rows in the committed file. */
export const DEMO_ROWS = 2000;
/** Where the committed file lives, relative to the repository root. */
export const DEMO_PATH = "public/demo/demo-preferences.jsonl";

interface Message {
  role: "user" | "assistant";
  content: string;
}

/** One demo row, in the column order of the paper's processed files. */
export interface DemoRow {
  prompt: Message[];
  chosen: Message[];
  rejected: Message[];
  all_rm_scores: number[];
  rm_margin: number;
  chosen_logps: number | null;
  rejected_logps: number | null;
  chosen_logps_norm: number | null;
  rejected_logps_norm: number | null;
  logp_margin_norm: number | null;
}

/** mulberry32, shared with the other fixture builders (byte-identical output depends on it). */
export const createRng = createMulberry32;

type Rng = () => number;
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
const int = (rng: Rng, lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));
// Box–Muller; one draw per call keeps the sequence simple to reason about.
const normal = (rng: Rng): number => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
const round = (x: number, digits: number): number => Number(x.toFixed(digits));
// Thousands separators by hand: toLocaleString depends on the ICU data Node was built with.
const thousands = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
const fmt = (x: number): string => (Number.isInteger(x) ? String(x) : String(round(x, 2)));

/** A prompt with a good answer and the weak answers a worse policy sample might give. */
interface Item {
  prompt: string;
  good: string;
  weak: string[];
}

type Template = (rng: Rng) => Item;

// ---------- coding ----------

const CODE_TASKS: { task: string; python: string; javascript: string; note: string; bug: string }[] = [
  {
    task: "reverses a string",
    python: "def reverse(s: str) -> str:\n    return s[::-1]",
    javascript: 'function reverse(s) {\n  return [...s].reverse().join("");\n}',
    note: "Slicing/spreading works on characters, so it also handles an empty string.",
    bug: "Just loop over the string and add each character to a new string. That reverses it.",
  },
  {
    task: "returns the sum of the even numbers in a list",
    python: "def sum_even(nums: list[int]) -> int:\n    return sum(n for n in nums if n % 2 == 0)",
    javascript: "function sumEven(nums) {\n  return nums.filter((n) => n % 2 === 0).reduce((a, b) => a + b, 0);\n}",
    note: "The initial value 0 makes an empty list return 0 instead of failing.",
    bug: "You can use a loop with `if n % 2 == 1` and add n to the total.",
  },
  {
    task: "checks whether a word is a palindrome",
    python: "def is_palindrome(word: str) -> bool:\n    w = word.lower()\n    return w == w[::-1]",
    javascript:
      'function isPalindrome(word) {\n  const w = word.toLowerCase();\n  return w === [...w].reverse().join("");\n}',
    note: 'Lower-casing first means "Level" counts as a palindrome.',
    bug: "Compare the first letter with the last letter. If they match it is a palindrome.",
  },
  {
    task: "counts the vowels in a sentence",
    python: 'def count_vowels(text: str) -> int:\n    return sum(1 for ch in text.lower() if ch in "aeiou")',
    javascript: "function countVowels(text) {\n  return (text.toLowerCase().match(/[aeiou]/g) ?? []).length;\n}",
    note: "`match` returns null when there are no vowels, hence the `?? []`.",
    bug: "Use text.count('a') and that gives you the vowels.",
  },
  {
    task: "computes the factorial of n",
    python:
      "def factorial(n: int) -> int:\n    result = 1\n    for k in range(2, n + 1):\n        result *= k\n    return result",
    javascript:
      "function factorial(n) {\n  let result = 1;\n  for (let k = 2; k <= n; k++) result *= k;\n  return result;\n}",
    note: "The loop version avoids recursion limits for larger n; factorial(0) correctly returns 1.",
    bug: "factorial(n) = n * (n - 1). For example factorial(5) = 20.",
  },
  {
    task: "removes duplicates from a list while keeping the order",
    python: "def dedupe(items: list) -> list:\n    return list(dict.fromkeys(items))",
    javascript: "function dedupe(items) {\n  return [...new Set(items)];\n}",
    note: "Both dicts and Sets remember insertion order, so the first occurrence of each item wins.",
    bug: "Sort the list and then remove items that are next to each other.",
  },
  {
    task: "finds the largest number in a list",
    python:
      'def largest(nums: list[float]) -> float:\n    if not nums:\n        raise ValueError("empty list")\n    return max(nums)',
    javascript:
      'function largest(nums) {\n  if (nums.length === 0) throw new Error("empty list");\n  return Math.max(...nums);\n}',
    note: "An empty list has no largest element, so it raises an error instead of returning a misleading value.",
    bug: "Start with largest = 0 and update it whenever you see a bigger number.",
  },
];

const codeFunction: Template = (rng) => {
  const t = pick(rng, CODE_TASKS);
  const lang = pick(rng, ["Python", "JavaScript"] as const);
  const code = lang === "Python" ? t.python : t.javascript;
  const fence = lang === "Python" ? "python" : "js";
  const ask = pick(rng, [
    "Write a {L} function that {T}.",
    "Can you show me a {L} function that {T}?",
    "I need a short {L} function that {T}.",
  ]);
  return {
    prompt: ask.replace("{L}", lang).replace("{T}", t.task),
    good: `Here is a compact version:\n\n\`\`\`${fence}\n${code}\n\`\`\`\n\n${t.note}`,
    weak: [t.bug, `Sure! A function that ${t.task} is very useful. You should write it in ${lang}.`],
  };
};

const GIT: [string, string, string][] = [
  [
    "git stash",
    "saves your uncommitted changes on a stack and resets the working tree to the last commit, so you can switch branches; `git stash pop` brings the changes back",
    "It deletes your changes.",
  ],
  [
    "git rebase main",
    "replays the commits of your current branch on top of the latest `main`, giving a linear history; if a commit conflicts you fix it and run `git rebase --continue`",
    "It merges main into your branch, same as git merge.",
  ],
  [
    "git cherry-pick <sha>",
    "applies the change introduced by one existing commit onto your current branch as a new commit",
    "It picks the best commit in the repository.",
  ],
  [
    "git reset --soft HEAD~1",
    "undoes the last commit but keeps its changes staged, so you can edit the message or split the commit",
    "It permanently deletes the last commit and its changes.",
  ],
  [
    "git log --oneline",
    "prints the commit history with one line per commit: the short hash and the first line of the message",
    "It shows the log file of git.",
  ],
  [
    "git diff --staged",
    "shows the changes that are staged for the next commit, compared with the last commit",
    "It shows all differences between branches.",
  ],
];

const gitCommand: Template = (rng) => {
  const [cmd, good, bad] = pick(rng, GIT);
  return {
    prompt: pick(rng, [`What does \`${cmd}\` do?`, `Can you explain what ${cmd} does in git?`]),
    good: `\`${cmd}\` ${good}. It only touches your local repository until you push.`,
    weak: [bad, "It's a git command. You can read the git documentation for the details."],
  };
};

const ERRORS: [string, string, string][] = [
  [
    "KeyError: 'email'",
    "you read `data['email']` from a dict that has no such key. Check the key exists first, or use `data.get('email')`, which returns None instead of raising",
    "Your Python installation is broken, reinstall it.",
  ],
  [
    "IndexError: list index out of range",
    "you accessed a position past the end of the list, often an off-by-one in a loop such as `range(len(xs) + 1)`. Valid indices go from 0 to len(xs) - 1",
    "The list is too long, make it shorter.",
  ],
  [
    "TypeError: 'NoneType' object is not subscriptable",
    "a variable you index with [...] is None, usually because a function returned nothing (for example `list.sort()` sorts in place and returns None)",
    "You need to import NoneType.",
  ],
  [
    "ZeroDivisionError: division by zero",
    "the denominator was 0 at run time. Guard the division, e.g. `avg = total / count if count else 0`",
    "Computers cannot divide numbers, use multiplication.",
  ],
  [
    "ModuleNotFoundError: No module named 'requests'",
    "the package is not installed in the interpreter you are running. Install it with `python -m pip install requests` using that same interpreter or virtual environment",
    "The module name is wrong, try 'request'.",
  ],
];

const pythonError: Template = (rng) => {
  const [err, good, bad] = pick(rng, ERRORS);
  return {
    prompt: pick(rng, [`Why am I getting "${err}" in Python?`, `My script crashes with ${err}. What does it mean?`]),
    good: `This error means ${good}. The traceback's last line points to the exact statement.`,
    weak: [bad, "Errors happen in Python sometimes. Try running it again."],
  };
};

const DIFFS: [string, string, string, string][] = [
  [
    "a list",
    "a tuple in Python",
    "Lists are mutable (you can append or change items), tuples are immutable. Tuples can be dict keys and signal fixed-size records; lists suit collections that grow.",
    "They are the same, tuples are just older.",
  ],
  [
    "`let`",
    "`const` in JavaScript",
    "Both are block-scoped. `const` cannot be reassigned after declaration (though an object it holds can still be mutated); `let` can be reassigned.",
    "`const` is faster, always use it for numbers only.",
  ],
  [
    "`==`",
    "`===` in JavaScript",
    '`===` compares without type conversion; `==` converts types first, so `0 == ""` is true but `0 === ""` is false. Prefer `===`.',
    "`===` is just a longer version of `==`.",
  ],
  [
    "a process",
    "a thread",
    "A process has its own memory space; threads run inside a process and share its memory. Threads are cheaper to create but need synchronisation around shared data.",
    "A thread is a small process, there is no real difference.",
  ],
  [
    "INNER JOIN",
    "LEFT JOIN in SQL",
    "INNER JOIN keeps only rows with a match in both tables; LEFT JOIN keeps every row of the left table and fills the right side with NULL when there is no match.",
    "LEFT JOIN joins tables from the left side of the screen.",
  ],
];

const difference: Template = (rng) => {
  const [a, b, good, bad] = pick(rng, DIFFS);
  return {
    prompt: pick(rng, [`What is the difference between ${a} and ${b}?`, `Explain ${a} vs ${b} briefly.`]),
    good,
    weak: [bad, `${a} and ${b.split(" in ")[0]} are both used often. It depends on your use case.`],
  };
};

// ---------- math (answers are computed, so they are right) ----------

const percentOf: Template = (rng) => {
  const p = pick(rng, [5, 10, 12, 15, 20, 25, 30, 35, 40, 45, 60, 75]);
  const b = int(rng, 4, 96) * 10;
  const ans = (p * b) / 100;
  return {
    prompt: pick(rng, [`What is ${p}% of ${b}?`, `Calculate ${p} percent of ${b}.`]),
    good: `${p}% of ${b} = ${p}/100 × ${b} = ${fmt(ans)}.`,
    weak: [
      `It is ${fmt(ans * 10)}.`,
      `${p} × ${b} = ${p * b}`,
      `About ${fmt(Math.round(ans / 10) * 10 + 10)}, roughly.`,
    ],
  };
};

const linearEquation: Template = (rng) => {
  const a = int(rng, 2, 9);
  const x = pick(rng, [-6, -5, -4, -3, -2, -1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  const b = int(rng, -20, 20) || 3;
  const c = a * x + b;
  const sign = b < 0 ? "-" : "+";
  return {
    prompt: `Solve for x: ${a}x ${sign} ${Math.abs(b)} = ${c}.`,
    good: `Subtract ${b} from both sides: ${a}x = ${c - b}. Divide by ${a}: x = ${x}. Check: ${a}·${x} ${sign} ${Math.abs(b)} = ${c}. ✓`,
    weak: [`x = ${fmt((c + b) / a)}`, `x = ${c - b}`, "You need to isolate x on one side, then you get the answer."],
  };
};

const averageSpeed: Template = (rng) => {
  const t = pick(rng, [1.5, 2, 2.5, 3, 4, 5, 6]);
  const v = int(rng, 12, 30) * 5;
  const d = v * t;
  const vehicle = pick(rng, ["train", "car", "bus", "cyclist"]);
  return {
    prompt: `A ${vehicle} travels ${fmt(d)} km in ${fmt(t)} hours. What is its average speed?`,
    good: `Average speed = distance ÷ time = ${fmt(d)} km ÷ ${fmt(t)} h = ${fmt(v)} km/h.`,
    weak: [`${fmt(d * t)} km/h`, `The ${vehicle} is fast, around ${fmt(v + 20)} km/h.`],
  };
};

const circleArea: Template = (rng) => {
  const r = int(rng, 2, 25);
  const area = Math.PI * r * r;
  return {
    prompt: `What is the area of a circle with a radius of ${r} cm?`,
    good: `A = πr² = π × ${r}² = ${r * r}π ≈ ${area.toFixed(2)} cm².`,
    weak: [`A = 2πr ≈ ${(2 * Math.PI * r).toFixed(2)} cm²`, `${r * r} cm²`],
  };
};

const fahrenheit: Template = (rng) => {
  const f = int(rng, -4, 42) * 5;
  const c = ((f - 32) * 5) / 9;
  return {
    prompt: pick(rng, [`Convert ${f}°F to Celsius.`, `What is ${f} degrees Fahrenheit in Celsius?`]),
    good: `°C = (°F − 32) × 5/9 = (${f} − 32) × 5/9 ≈ ${c.toFixed(1)} °C.`,
    weak: [`${((f - 32) / 2).toFixed(0)} °C (just subtract 32 and halve it).`, `${(f * 1.8 + 32).toFixed(1)} °C`],
  };
};

const compoundInterest: Template = (rng) => {
  const p = int(rng, 2, 40) * 500;
  const r = pick(rng, [2, 3, 4, 5, 6, 7]);
  const n = int(rng, 2, 15);
  const total = p * (1 + r / 100) ** n;
  const simple = p * (1 + (r * n) / 100);
  return {
    prompt: `If I invest $${thousands(p)} at ${r}% annual interest, compounded yearly, how much will I have after ${n} years?`,
    good: `Use A = P(1 + r)ⁿ = ${p} × ${(1 + r / 100).toFixed(2)}^${n} ≈ $${total.toFixed(2)}. That is $${(total - p).toFixed(2)} of interest, ahead of the $${(simple - p).toFixed(2)} that simple interest would give.`,
    weak: [`$${simple.toFixed(2)}`, `You will have more money than now, roughly double.`],
  };
};

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const lcm: Template = (rng) => {
  const a = int(rng, 4, 30);
  // Equal numbers would make the GCD (a weak answer) correct.
  const b = ((a + int(rng, 1, 26) - 4) % 27) + 4;
  const l = (a * b) / gcd(a, b);
  return {
    prompt: `What is the least common multiple of ${a} and ${b}?`,
    good: `LCM(${a}, ${b}) = ${a} × ${b} ÷ GCD(${a}, ${b}) = ${a * b} ÷ ${gcd(a, b)} = ${l}.`,
    // For coprime numbers the product is the LCM, so the "forgot to divide" answer becomes a sum instead.
    weak: [gcd(a, b) > 1 ? `${a * b}` : `${a + b}`, `${gcd(a, b)}`],
  };
};

// ---------- writing ----------

const emailTemplate: Template = (rng) => {
  const [recipient, greeting] = pick(rng, [
    ["manager", "Hi Sam,"],
    ["landlord", "Dear Ms. Patel,"],
    ["professor", "Dear Professor Okafor,"],
    ["colleague", "Hi Jordan,"],
  ] as const);
  const [request, body] = pick(rng, [
    [
      "move our Thursday meeting to Friday",
      "Would it be possible to move our Thursday meeting to Friday at the same time? Something urgent came up on Thursday afternoon. If Friday doesn't work, I'm free Monday morning as well.",
    ],
    [
      "fix the heating in my flat",
      "The heating in my flat has not worked since Monday and the rooms are quite cold at night. Could you arrange for someone to look at it this week? I'm home after 5 pm on weekdays.",
    ],
    [
      "extend my deadline by a few days",
      "I'm writing to ask whether I could have until next Wednesday to submit my report. I've had a family matter this week and want to hand in work I'm proud of. I'd be happy to share my draft so far.",
    ],
    [
      "review my pull request",
      "When you have a moment, could you review my pull request for the export feature? It's about 200 lines and mostly tests. I'd love to merge it before Friday's release.",
    ],
  ] as const);
  const tone = pick(rng, ["polite", "short", "friendly"]);
  return {
    prompt: `Write a ${tone} email to my ${recipient} asking them to ${request}.`,
    good: `${greeting}\n\n${body}\n\nThank you for your help.\n\nBest regards,\nAlex`,
    weak: [`Hey, can you ${request}? Thanks.`, `Dear ${recipient}, I want you to ${request}. Please do it soon.`],
  };
};

const BLOG: [string, string, string][] = [
  ["meal prepping for busy students", "Cook Once, Eat All Week: Meal Prep for Students Who Have No Time", "Food"],
  ["learning to code after 40", "Never Too Late to Compile: Learning to Code After 40", "Coding"],
  ["indoor plants for dark apartments", "Green in the Gloom: 9 Plants That Thrive in Dark Apartments", "Plants"],
  ["saving money on travel", "Wander More, Spend Less: Practical Tricks for Cheaper Travel", "Travel tips"],
  ["running your first 5K", "From Couch to Finish Line: Your First 5K Without the Pain", "Running"],
];

const blogTitle: Template = (rng) => {
  const [topic, title, bad] = pick(rng, BLOG);
  return {
    prompt: `Give me a catchy title for a blog post about ${topic}.`,
    good: `"${title}" — it promises a concrete benefit and hints at who the post is for.`,
    weak: [`"${bad}"`, `"A Blog Post About ${topic}"`],
  };
};

const BOOKS: [string, string, string][] = [
  [
    "Pride and Prejudice",
    "Elizabeth Bennet meets the wealthy, aloof Mr. Darcy and quickly judges him as proud, while he disdains her family's manners. Misunderstandings, Wickham's lies and Lydia's elopement test them, and Darcy quietly saves the family's reputation. Each recognises their own prejudice and pride, and they marry.",
    "It's a story about a rich family in London who have a big party.",
  ],
  [
    "Frankenstein",
    "Victor Frankenstein builds and animates a creature, then abandons it in horror. Rejected by everyone, the creature turns to revenge and kills those Victor loves after he refuses to make it a companion. Victor pursues it to the Arctic, where he dies and the creature vows to end its own life.",
    "Frankenstein is a green monster who lives in a castle and scares villagers.",
  ],
  [
    "Moby-Dick",
    "Ishmael joins the whaler Pequod, whose captain Ahab is obsessed with the white whale that took his leg. Ahab drives the crew around the world in pursuit, ignoring every warning. The final chase destroys the ship, and only Ishmael survives.",
    "A fisherman catches a very big fish and sells it at the market.",
  ],
  [
    "Romeo and Juliet",
    "Two teenagers from feuding Verona families fall in love and marry in secret. After Romeo kills Tybalt and is banished, Juliet fakes her death to escape an arranged marriage. The message fails to reach Romeo, who kills himself at her tomb, and Juliet does the same when she wakes.",
    "Romeo and Juliet fall in love and live happily ever after.",
  ],
  [
    "The Great Gatsby",
    "Nick Carraway moves next door to Jay Gatsby, a mysterious millionaire who throws lavish parties to win back Daisy Buchanan. Their affair unravels in a confrontation with Daisy's husband Tom, and Daisy, driving Gatsby's car, kills Tom's mistress. Gatsby takes the blame and is shot by the woman's husband.",
    "Gatsby is a great man who becomes rich and happy in New York.",
  ],
];

const bookSummary: Template = (rng) => {
  const [book, good, bad] = pick(rng, BOOKS);
  return {
    prompt: pick(rng, [
      `Summarise the plot of ${book} in three sentences.`,
      `Give me a three-sentence summary of ${book}.`,
    ]),
    good,
    weak: [bad, `${book} is a classic novel that many people enjoy reading. It has interesting characters.`],
  };
};

const HAIKU: [string, string, string][] = [
  [
    "autumn leaves",
    "Red maple letters\ndrift down to the quiet path —\nthe tree signs its name.",
    "Leaves are falling down\nautumn is a nice season\nI like the colours",
  ],
  [
    "the ocean",
    "Salt wind, endless blue,\nthe tide rehearses its lines\nagainst patient stone.",
    "The ocean is big\nit has a lot of water\nfish live there also",
  ],
  [
    "a city at night",
    "Neon hums softly;\ntaxis thread the wet black streets —\na window stays lit.",
    "City at night time\nthere are many lights and cars\nit is very loud",
  ],
  [
    "morning coffee",
    "Steam curls from the cup,\nthe kitchen still half asleep —\nfirst warmth of the day.",
    "I drink my coffee\nevery morning before work\ncoffee is the best",
  ],
  [
    "first snow",
    "Overnight, silence;\nthe garden wears a white coat\nno footprint has touched.",
    "Snow is cold and white\nit falls down in the winter\nwe build a snowman",
  ],
];

const haiku: Template = (rng) => {
  const [thing, good, bad] = pick(rng, HAIKU);
  return {
    prompt: `Write a haiku about ${thing}.`,
    good,
    weak: [bad, `Here is a haiku about ${thing}: ${thing} is beautiful.`],
  };
};

const CONCISE: [string, string][] = [
  [
    "In my personal opinion, I think that we should probably start the meeting at this point in time.",
    "I think we should start the meeting now.",
  ],
  [
    "Due to the fact that the weather was bad, the game was cancelled by the organisers.",
    "The organisers cancelled the game because of bad weather.",
  ],
  [
    "She made the decision to go ahead and begin the process of learning French.",
    "She decided to start learning French.",
  ],
  [
    "It is absolutely essential that each and every employee completes the training.",
    "Every employee must complete the training.",
  ],
];

const concise: Template = (rng) => {
  const [long, short] = pick(rng, CONCISE);
  return {
    prompt: `Rewrite this sentence to be more concise: "${long}"`,
    good: `"${short}"`,
    weak: [
      `"${long.replace(/^In my personal opinion, |^Due to the fact that /, "")}"`,
      "The sentence is already fine.",
    ],
  };
};

// ---------- advice ----------

const ADVICE: [string, string, string][] = [
  [
    "How can I improve my sleep?",
    "A few habits with good evidence behind them:\n1. Keep the same wake-up time every day, weekends included.\n2. Get daylight in the morning and dim screens an hour before bed.\n3. Avoid caffeine after early afternoon and large meals late at night.\n4. Keep the bedroom cool, dark and quiet.\nIf you still struggle for weeks, talk to a doctor about insomnia treatment such as CBT-I.",
    "Just try to sleep more. Maybe drink a glass of wine before bed.",
  ],
  [
    "How do I stay focused when working from home?",
    "Set up a dedicated workspace, even a corner, so your brain links it with work. Plan the day in blocks (e.g. 50 minutes of focus, 10 minutes of break), put your phone in another room during focus blocks, and close chat apps you don't need. End the day with a short shutdown ritual so work doesn't leak into the evening.",
    "Focus harder and don't get distracted.",
  ],
  [
    "How should I prepare for a job interview?",
    "Research the company and the role, then prepare 4–5 short stories from your experience using the STAR format (situation, task, action, result). Practise answering out loud, prepare two or three questions for them, and check the logistics (route or video link) the day before.",
    "Be yourself and it will be fine. Wear a suit.",
  ],
  [
    "I want to start running. How should I begin as a complete beginner?",
    "Start with run–walk intervals: for example 1 minute running, 2 minutes walking, repeated 8 times, three days a week. Add a little running time each week and keep the pace easy enough to talk. Good shoes and rest days matter more than speed; most beginner injuries come from doing too much too soon.",
    "Run 10 km every day until it gets easier.",
  ],
  [
    "How can I save money on groceries?",
    "Plan meals for the week and shop with a list, buy store brands for staples, and compare unit prices rather than package prices. Cook larger batches and freeze portions, and check what you already have before shopping to cut waste.",
    "Buy less food.",
  ],
  [
    "What's a good way to learn a new language as an adult?",
    "Combine daily short practice (15–20 minutes with spaced-repetition flashcards for core vocabulary) with real input you enjoy, like podcasts or series with subtitles. Start speaking early with a tutor or exchange partner, even imperfectly; consistency beats long, rare sessions.",
    "Move to the country where they speak it, that's the only way.",
  ],
];

const advice: Template = (rng) => {
  const [q, good, bad] = pick(rng, ADVICE);
  return {
    prompt: q,
    good,
    weak: [bad, "Everyone is different, so there is no single answer. Search online for tips."],
  };
};

const PLANTS = ["basil", "monstera", "fiddle-leaf fig", "tomato plant", "peace lily", "pothos"];

const yellowLeaves: Template = (rng) => {
  const plant = pick(rng, PLANTS);
  return {
    prompt: `My ${plant} has yellow leaves. What should I do?`,
    good: `Yellow leaves on a ${plant} most often come from overwatering. Check the soil: if it's wet an inch down, let it dry out and make sure the pot drains. If the soil is bone dry, water more regularly instead. Older lower leaves yellowing slowly can be normal, while many yellow leaves at once point to water or light problems; a balanced fertiliser helps if it hasn't been fed in months.`,
    weak: [
      `Cut off all the leaves and it will grow new green ones.`,
      `Your ${plant} is probably dying. Buy a new one.`,
    ],
  };
};

// ---------- facts ----------

const CAPITALS: [string, string, string][] = [
  ["France", "Paris", "Lyon"],
  ["Australia", "Canberra", "Sydney"],
  ["Canada", "Ottawa", "Toronto"],
  ["Brazil", "Brasília", "Rio de Janeiro"],
  ["Turkey", "Ankara", "Istanbul"],
  ["Japan", "Tokyo", "Kyoto"],
  ["Kenya", "Nairobi", "Mombasa"],
  ["Switzerland", "Bern", "Zurich"],
  ["New Zealand", "Wellington", "Auckland"],
  ["Morocco", "Rabat", "Casablanca"],
  ["Vietnam", "Hanoi", "Ho Chi Minh City"],
  ["Nigeria", "Abuja", "Lagos"],
  ["South Korea", "Seoul", "Busan"],
  ["Peru", "Lima", "Cusco"],
  ["Norway", "Oslo", "Bergen"],
];

const capital: Template = (rng) => {
  const [country, city, wrong] = pick(rng, CAPITALS);
  return {
    prompt: pick(rng, [`What is the capital of ${country}?`, `Which city is the capital of ${country}?`]),
    good: `The capital of ${country} is ${city}.`,
    weak: [`The capital of ${country} is ${wrong}.`, `I believe it's ${wrong}, the biggest city.`],
  };
};

const EXPLAIN: [string, string, string][] = [
  [
    "Why is the sky blue?",
    "Sunlight contains all colours. Air molecules scatter short (blue) wavelengths much more strongly than long (red) ones — Rayleigh scattering — so blue light reaches your eyes from every direction of the sky. At sunset the light crosses more air, the blue is scattered away, and reds dominate.",
    "Because it reflects the colour of the ocean.",
  ],
  [
    "Why do we have seasons?",
    "Earth's axis is tilted about 23.4° relative to its orbit. For part of the year one hemisphere leans toward the Sun, getting higher sunlight and longer days (summer), while the other gets lower, shorter sunlight (winter). Distance from the Sun matters very little.",
    "Because the Earth is closer to the Sun in summer and further away in winter.",
  ],
  [
    "How do vaccines work?",
    "A vaccine shows your immune system a harmless piece or weakened version of a pathogen. The body makes antibodies and memory cells against it, so if the real pathogen arrives later, the immune response is faster and stronger, often preventing serious illness.",
    "Vaccines kill viruses in your blood directly.",
  ],
  [
    "What causes ocean tides?",
    "Mainly the Moon's gravity: it pulls hardest on the ocean facing it and least on the far side, raising two bulges that Earth rotates through, giving about two high tides a day. The Sun adds a smaller effect, making larger spring tides when they line up.",
    "Tides are caused by wind pushing the water onto the beach.",
  ],
  [
    "How does photosynthesis work?",
    "Plants absorb light with chlorophyll and use its energy to split water, releasing oxygen. The captured energy (as ATP and NADPH) then drives the Calvin cycle, which fixes carbon dioxide into sugars the plant uses for growth and energy.",
    "Plants eat soil and turn it into leaves using sunlight.",
  ],
  [
    "What is inflation?",
    "Inflation is the general rise in prices over time, which means each unit of money buys less. It is usually measured by a consumer price index; central banks often aim for around 2% a year and raise interest rates when it runs higher.",
    "Inflation is when the government prints money and everyone gets richer.",
  ],
];

const explainFact: Template = (rng) => {
  const [q, good, bad] = pick(rng, EXPLAIN);
  return { prompt: q, good, weak: [bad, "That's a complicated question that scientists are still debating."] };
};

const WORKS: [string, string, string][] = [
  ["Hamlet", "William Shakespeare", "Christopher Marlowe"],
  ["War and Peace", "Leo Tolstoy", "Fyodor Dostoevsky"],
  ["One Hundred Years of Solitude", "Gabriel García Márquez", "Jorge Luis Borges"],
  ["The Origin of Species", "Charles Darwin", "Isaac Newton"],
  ["1984", "George Orwell", "Aldous Huxley"],
  ["Don Quixote", "Miguel de Cervantes", "Lope de Vega"],
  ["Things Fall Apart", "Chinua Achebe", "Wole Soyinka"],
];

const author: Template = (rng) => {
  const [work, who, wrong] = pick(rng, WORKS);
  return {
    prompt: `Who wrote ${work}?`,
    good: `${work} was written by ${who}.`,
    weak: [`${work} was written by ${wrong}.`, "It was written by a famous author a long time ago."],
  };
};

const UNITS: [string, string, number, string][] = [
  ["centimetres", "metre", 100, "1 m = 100 cm"],
  ["grams", "kilogram", 1000, "1 kg = 1,000 g"],
  ["seconds", "hour", 3600, "60 min × 60 s"],
  ["millilitres", "litre", 1000, "1 L = 1,000 mL"],
  ["minutes", "day", 1440, "24 h × 60 min"],
  ["ounces", "pound", 16, "1 lb = 16 oz"],
  ["feet", "mile", 5280, "1 mi = 5,280 ft"],
];

const units: Template = (rng) => {
  const [small, big, n, why] = pick(rng, UNITS);
  const k = pick(rng, [1, 1, 2, 3, 5]);
  const bigs = k === 1 ? `a ${big}` : `${k} ${big}s`;
  return {
    prompt: `How many ${small} are in ${bigs}?`,
    good: `There are ${thousands(n * k)} ${small} in ${bigs} (${why}${k === 1 ? "" : `, times ${k}`}).`,
    weak: [`${thousands(n * k * 10)} ${small}.`, `${thousands(Math.round(n * k * 0.6))} ${small}, I think.`],
  };
};

/** Topic templates with a weight each (how often they are drawn). */
const TEMPLATES: [Template, number][] = [
  [codeFunction, 6],
  [gitCommand, 2],
  [pythonError, 2],
  [difference, 2],
  [percentOf, 3],
  [linearEquation, 3],
  [averageSpeed, 2],
  [circleArea, 2],
  [fahrenheit, 2],
  [compoundInterest, 2],
  [lcm, 2],
  [emailTemplate, 3],
  [blogTitle, 1],
  [bookSummary, 2],
  [haiku, 1],
  [concise, 1],
  [advice, 3],
  [yellowLeaves, 1],
  [capital, 3],
  [explainFact, 3],
  [author, 2],
  [units, 2],
];

function drawTemplate(rng: Rng): Template {
  const total = TEMPLATES.reduce((s, [, w]) => s + w, 0);
  let x = rng() * total;
  for (const [t, w] of TEMPLATES) {
    x -= w;
    if (x < 0) return t;
  }
  return TEMPLATES[TEMPLATES.length - 1][0];
}

const LEADS = ["Hi! ", "Quick question. ", "Hello. ", "I'm studying for an exam. ", "Can you help me with this? "];
const TAILS = [" Thanks!", " Please keep it brief.", " Explain it simply, please.", " Thank you in advance."];

// Real users wrap the same question in different small talk; it keeps prompts varied without new answers.
function frame(rng: Rng, item: Item): Item {
  const lead = rng() < 0.35 ? pick(rng, LEADS) : "";
  const tail = rng() < 0.3 ? pick(rng, TAILS) : "";
  return { ...item, prompt: `${lead}${item.prompt}${tail}` };
}

// Roughly 4 characters per token for English text, which is all the log-prob sums need.
const tokenCount = (text: string): number => Math.max(3, Math.round(text.length / 4));

/** Builds the demo rows: same seed and count, same rows. */
export function makeDemoRows(seed = DEMO_SEED, count = DEMO_ROWS): DemoRow[] {
  const rng = createRng(seed);
  const seen = new Set<string>();
  const rows: DemoRow[] = [];
  while (rows.length < count) {
    const template = drawTemplate(rng);
    let item = frame(rng, template(rng));
    // Prefer fresh prompts within the drawn family (keeping the topic mix), but small families run out of them.
    for (let tries = 0; seen.has(item.prompt) && tries < 12; tries++) item = frame(rng, template(rng));
    seen.add(item.prompt);
    const weakIndex = Math.floor(rng() * item.weak.length);
    const weak = item.weak[weakIndex];

    // ArmoRM-like scores: a per-prompt level around 0.11 and a spread that is larger for clearly wrong answers.
    const n = rng() < 0.5 ? 4 : 5;
    const level = 0.11 + 0.02 * normal(rng);
    const spread = (0.006 + 0.012 * rng()) * (weakIndex === 0 ? 1.35 : 1);
    const scores = Array.from({ length: n }, () => round(level + spread * normal(rng), 5));
    const rmMargin = Math.max(...scores) - Math.min(...scores);

    const prompt: Message[] = [{ role: "user", content: item.prompt }];
    const row: DemoRow = {
      prompt,
      chosen: [...prompt, { role: "assistant", content: item.good }],
      rejected: [...prompt, { role: "assistant", content: weak }],
      all_rm_scores: scores,
      rm_margin: rmMargin,
      chosen_logps: null,
      rejected_logps: null,
      chosen_logps_norm: null,
      rejected_logps_norm: null,
      logp_margin_norm: null,
    };
    // About 2% of rows lost their policy forward pass: every log-prob column is null for them.
    if (rng() >= 0.02) {
      const chosenNorm = round(Math.max(-2, Math.min(-0.3, -0.9 - 0.35 * normal(rng))), 5);
      // The implicit margin leans with the explicit one (the policy already prefers clearly better answers) plus noise.
      const drift = 6 * (rmMargin - 0.035) + 0.3 * normal(rng);
      const rejectedNorm = round(Math.max(-2.2, Math.min(-0.25, chosenNorm - drift)), 5);
      row.chosen_logps_norm = chosenNorm;
      row.rejected_logps_norm = rejectedNorm;
      row.logp_margin_norm = simpoMargin(chosenNorm, rejectedNorm);
      row.chosen_logps = round(chosenNorm * tokenCount(item.good), 4);
      row.rejected_logps = round(rejectedNorm * tokenCount(weak), 4);
    }
    rows.push(row);
  }
  return rows;
}

/** The demo file's exact text: one JSON object per line, each line ending in a newline. */
export function demoJsonl(seed = DEMO_SEED, count = DEMO_ROWS): string {
  return makeDemoRows(seed, count)
    .map((r) => `${JSON.stringify(r)}\n`)
    .join("");
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  const out = path.join(root, DEMO_PATH);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const text = demoJsonl();
  fs.writeFileSync(out, text);
  console.log(`wrote ${DEMO_ROWS} rows, ${Buffer.byteLength(text)} bytes to ${path.relative(root, out)}`);
}
