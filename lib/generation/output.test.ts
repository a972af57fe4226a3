import { describe, expect, it } from "vitest";
import type { GeneratedPrompt, GenerateSettings } from "@/lib/scoring/protocol";
import { DatasetSession } from "@/lib/workbench/session";
import { generatedFileName, generatedJsonl, generatedLines } from "./output";

const SETTINGS: GenerateSettings = {
  k: 3,
  temperature: 0.8,
  topP: 1,
  topK: 0,
  repetitionPenalty: 1,
  maxNewTokens: 8,
  seed: 42,
};

function prompt(index: number, responses: string[], rmScores: number[] | null, extra = {}): GeneratedPrompt {
  return {
    index,
    prompt: `p${index}`,
    promptTokens: 3,
    responses,
    rmScores,
    sumLogps: responses.map((_, j) => -(j + 1) * 2),
    tokenCounts: responses.map(() => 4),
    finish: responses.map(() => "stop" as const),
    retokenizes: responses.map(() => true),
    ...extra,
  };
}

describe("generated file", () => {
  it("names the output as the CLI does", () => {
    expect(generatedFileName("prompts.jsonl")).toBe("prompts.generated.jsonl");
    expect(generatedFileName("p.csv.gz")).toBe("p.generated.jsonl");
    expect(generatedFileName("noext")).toBe("noext.generated.jsonl");
  });

  it("writes one row per prompt in prompt order with the CLI's fields", () => {
    const lines = generatedLines([prompt(1, ["b"], [1]), prompt(0, ["a"], null)], SETTINGS, "abc");
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      {
        prompt: "p0",
        all_generated_responses: ["a"],
        all_generated_logps: [-2],
        all_generated_tokens: [4],
        all_finish_reasons: ["stop"],
        generation_settings: {
          k: 3,
          temperature: 0.8,
          top_p: 1,
          top_k: 0,
          repetition_penalty: 1,
          max_new_tokens: 8,
          seed: 42,
          prompt_format: "chat",
          sequence_rules: "paper",
          model_sha256: "abc",
        },
      },
      expect.objectContaining({ prompt: "p1", all_rm_scores: [1] }),
    ]);
  });

  it("opens as best/worst pairs; tied scores, identical best/worst and failed prompts are excluded and counted", async () => {
    const rows = [
      prompt(0, ["good", "bad", "ok"], [0.9, 0.1, 0.5]),
      prompt(1, ["x", "y", "z"], [0.3, 0.3, 0.3]),
      prompt(2, ["same", "mid", "same"], [0.8, 0.5, 0.2]),
      prompt(3, [], [], { error: "prompt has 900 tokens: longer than the model's context" }),
      prompt(4, ["a", "b", "c"], [0.2, 0.7, 0.4]),
    ];
    const opened = await DatasetSession.open(generatedJsonl(rows, SETTINGS, "h"), "prompts.generated.jsonl");
    if (!opened.ok) throw new Error(opened.reason.message);
    const session = opened.data;
    const summary = session.summary();
    expect(summary.mapping).toMatchObject({
      schema: "multi",
      responses: "all_generated_responses",
      scores: "all_rm_scores",
      binarize: { rule: "best-worst", strict: true },
      explicit: { kind: "score-range", field: "all_rm_scores" },
      implicit: { kind: "picked-logps", logps: "all_generated_logps", tokens: "all_generated_tokens" },
    });
    expect(summary.rowCount).toBe(2);
    expect(summary.plan).toMatchObject({ records: 5, pairs: 2, excluded: 3 });
    const views = await session.rows([0, 1]);
    expect(views.map((v) => [v.pair.chosen.at(-1)?.content, v.pair.rejected.at(-1)?.content])).toEqual([
      ["good", "bad"],
      ["b", "a"],
    ]);
    const m = session.margins();
    // rm_margin = max − min; implicit = mean token log-prob of chosen − rejected (4 tokens each).
    expect(Array.from(m.explicit)).toEqual([0.9 - 0.1, 0.7 - 0.2].map((x) => expect.closeTo(x, 12)));
    expect(Array.from(m.implicit)).toEqual([(-2 - -4) / 4, (-4 - -2) / 4]);
  });
});
