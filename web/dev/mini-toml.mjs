// Reads the parts of a soket.toml the fake hub uses: [[village.alleys]], [[village.greenhouses]]
// and [auth] dashboard_token, with strings, numbers, arrays of strings and inline tables. Other
// tables are skipped. Enough for development; the real hub reads the file with toml++.

function value_of(text, line_no) {
  const t = text.trim();
  if (/^".*"$/.test(t)) return JSON.parse(t);
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  if (t === "true" || t === "false") return t === "true";
  if (t.startsWith("[") && t.endsWith("]")) {
    const inner = t.slice(1, -1).trim();
    return inner ? inner.split(",").map((s) => value_of(s, line_no)).filter((v) => v !== "") : [];
  }
  if (t.startsWith("{") && t.endsWith("}")) {
    const table = {};
    for (const pair of t.slice(1, -1).split(",")) {
      if (!pair.trim()) continue;
      const eq = pair.indexOf("=");
      table[pair.slice(0, eq).trim()] = value_of(pair.slice(eq + 1), line_no);
    }
    return table;
  }
  throw new Error(`config line ${line_no}: cannot read value ${t}`);
}

export function parse_config_toml(text) {
  const village = { alleys: [], greenhouses: [] };
  const auth = {};
  let current = null;
  let nested = null;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/\s+#.*$/, "").trim();
    if (!line || line.startsWith("#")) return;
    const header = /^\[\[?\s*([^\]]+?)\s*\]\]?$/.exec(line);
    if (header) {
      nested = null;
      if (line.startsWith("[[village.alleys")) village.alleys.push((current = { lamps: [], group: "", on_below: 30, off_above: 60 }));
      else if (line.startsWith("[[village.greenhouses")) village.greenhouses.push((current = {}));
      else if (current && header[1].startsWith("village.alleys.")) current[header[1].split(".").pop()] = nested = {};
      else if (header[1] === "auth") current = auth;
      else current = null;
      return;
    }
    const eq = line.indexOf("=");
    if (eq < 0) throw new Error(`config line ${i + 1}: expected key = value`);
    if (!current) return;
    (nested ?? current)[line.slice(0, eq).trim()] = value_of(line.slice(eq + 1), i + 1);
  });
  return { village, auth };
}
