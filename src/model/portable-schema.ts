/**
 * A tool's JSON schema in the dialect every OpenAI-compatible server takes (issue 23):
 * Gemini's endpoint refuses `additionalProperties` and `const`, several local servers'
 * grammar converters choke on `$schema`, `default` and unions of objects. What goes on
 * the wire is only a guide for the model — zod still validates every answer on arrival
 * and an invalid one gets the repair round — so dropping a keyword loses no check.
 */
const REFUSED = new Set(['$schema', '$id', 'default', 'additionalProperties']);

type Node = Record<string, unknown>;

const portable = new WeakMap<object, Node>();

/** Memoised per schema object: the same bytes every request, so a server-side prefix cache still matches. */
export function portableSchema(schema: Node): Node {
  let out = portable.get(schema);
  if (!out) portable.set(schema, (out = convert(schema) as Node));
  return out;
}

function convert(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(convert);
  if (!isNode(value)) return value;
  const union = value.anyOf ?? value.oneOf;
  if (Array.isArray(union)) {
    const flat = flattenUnion(value, union);
    if (flat) return convert(flat);
  }
  const out: Node = {};
  for (const [key, v] of Object.entries(value)) {
    if (REFUSED.has(key)) continue;
    if (key === 'const') out.enum = [v];
    // Property names are the caller's words, not keywords: only their schemas change.
    else if (key === 'properties' && isNode(v)) out.properties = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, convert(s)]));
    else out[key] = convert(v);
  }
  return out;
}

/**
 * A union of objects told apart by one property with a constant in every branch (the
 * decide tool's proposals: one branch per catalog action) becomes one object whose
 * discriminator is an `enum` of the constants; a property the branches give differently
 * becomes the loosest schema of its type, described as depending on the discriminator.
 * Undefined when the union is not of that shape (it is then left as it is).
 */
function flattenUnion(node: Node, branches: unknown[]): Node | undefined {
  const objects = branches.filter(isNode);
  if (objects.length !== branches.length || objects.length === 0) return undefined;
  const props = objects.map((b) => (isNode(b.properties) ? b.properties : undefined));
  if (props.some((p) => !p)) return undefined;
  const all = props as Node[];
  const discriminator = Object.keys(all[0]!).find((key) => all.every((p) => isNode(p[key]) && 'const' in (p[key] as Node)));
  if (!discriminator) return undefined;
  const names = [...new Set(all.flatMap((p) => Object.keys(p)))];
  const properties: Node = {};
  for (const name of names) {
    const schemas = all.map((p) => p[name]).filter(isNode);
    if (name === discriminator) {
      const first = schemas[0]!;
      properties[name] = { type: 'string', enum: schemas.map((s) => s.const), ...(first.description ? { description: first.description } : {}) };
    } else if (schemas.length === all.length && schemas.every((s) => JSON.stringify(s) === JSON.stringify(schemas[0]))) {
      properties[name] = schemas[0];
    } else {
      const type = schemas.every((s) => s.type === schemas[0]!.type) && typeof schemas[0]!.type === 'string' ? schemas[0]!.type : 'object';
      properties[name] = { type, description: `Depends on \`${discriminator}\`: as the catalog lists it.` };
    }
  }
  const required = names.filter((name) => objects.every((b) => Array.isArray(b.required) && b.required.includes(name)));
  const { anyOf: _anyOf, oneOf: _oneOf, ...rest } = node;
  void _anyOf;
  void _oneOf;
  return { ...rest, type: 'object', properties, ...(required.length ? { required } : {}) };
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
