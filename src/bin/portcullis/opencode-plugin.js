// Portcullis for OpenCode: written by `portcullis init opencode`, removed by
// `portcullis init opencode --uninstall`. OpenCode has no command hooks, so
// this plugin sends each tool call to `portcullis hook opencode` and throws
// when Portcullis denies it (or when it cannot answer: fail closed).
import { spawnSync } from "node:child_process";

const ARGV = {argv};

export const Portcullis = async () => ({
  "tool.execute.before": async (input, output) => {
    const payload = JSON.stringify({
      hook_event_name: "tool.execute.before",
      tool: input.tool,
      sessionID: input.sessionID,
      callID: input.callID,
      args: output.args,
    });
    const run = spawnSync(ARGV[0], ARGV.slice(1), { input: payload, encoding: "utf8", timeout: 30000 });
    if (run.error || run.status !== 0) {
      throw new Error(`Portcullis blocked ${input.tool}: ${run.error ?? run.stderr}`);
    }
    const answer = run.stdout.trim() ? JSON.parse(run.stdout) : {};
    if (answer.decision === "deny") {
      throw new Error(answer.reason ?? `Portcullis denied ${input.tool}`);
    }
  },
  // The call ran: its session learns it (an approved ask, secrets in the output).
  "tool.execute.after": async (input, output) => {
    const payload = JSON.stringify({
      hook_event_name: "tool.execute.after",
      tool: input.tool,
      sessionID: input.sessionID,
      callID: input.callID,
      args: input.args ?? {},
      output: typeof output?.output === "string" ? output.output : "",
    });
    spawnSync(ARGV[0], ARGV.slice(1), { input: payload, encoding: "utf8", timeout: 30000 });
  },
});
