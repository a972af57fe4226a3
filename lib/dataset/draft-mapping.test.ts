import { describe, expect, it } from "vitest";
import { draftMapping, voteFields } from "@/lib/dataset/draft-mapping";

describe("draftMapping", () => {
  it("drafts the annotator-votes layout: two responses, instruction + input as the prompt, the vote fields", () => {
    const all = ["id", "instruction", "input", "response1", "response2", "annotator1", "annotator2", "annotator3"];
    const m = draftMapping({ text: ["id", "instruction", "input", "response1", "response2"], numeric: [], all });
    expect(m).toEqual({
      schema: "pairwise",
      outputA: "response1",
      outputB: "response2",
      promptFields: ["instruction", "input"],
      promptSeparator: "\n\n",
      orientation: {
        kind: "votes",
        fields: ["annotator1", "annotator2", "annotator3"],
        a: ["1"],
        b: ["2"],
        tie: ["0"],
      },
      explicit: { kind: "picked" },
      implicit: { kind: "none" },
    });
  });

  it("falls back to the last two text fields and a label field named like one", () => {
    const m = draftMapping({
      text: ["question", "left", "right"],
      numeric: ["winner"],
      all: ["question", "left", "right", "winner"],
    });
    expect(m.outputA).toBe("left");
    expect(m.outputB).toBe("right");
    expect(m.prompt).toBe("question");
    expect(m.orientation).toMatchObject({ kind: "label", field: "winner" });
  });

  it("finds vote fields by name only", () => {
    expect(voteFields(["annotator_1", "vote2", "judge3", "annotated", "rater"])).toEqual([
      "annotator_1",
      "vote2",
      "judge3",
    ]);
  });
});
