// The schema being built: always held as a list of tables, written out in the shape the API reads
// (single-table {name, fields} when there is one table, {tables: [...]} otherwise). Properties the grid
// does not edit (descriptions, expressions, distributions, correlations...) are kept as they are.
import { emit } from "./dom.js";

export const STARTER = {
  name: "customers",
  fields: [
    { name: "customer_id", type: "uuid", constraints: { unique: true }, primary_key: true },
    { name: "full_name", type: "full_name" },
    { name: "email", type: "email", constraints: { unique: true } },
    { name: "age", type: "integer", constraints: { min: 18, max: 90 } },
    { name: "signup_date", type: "date", constraints: { min: "2020-01-01", max: "2025-12-31" } },
    { name: "tier", type: "category", constraints: { enum: ["free", "pro", "enterprise"], weights: [70, 25, 5] } },
  ],
};

const model = { tables: [], extra: {}, active: 0 };

export function clone(x) { return JSON.parse(JSON.stringify(x)); }

export function tables() { return model.tables; }
export function activeIndex() { return Math.min(model.active, model.tables.length - 1); }
export function activeTable() { return model.tables[activeIndex()]; }
export function setActive(i) { model.active = i; emit("active", i); }

// Load any schema (single- or multi-table) into the model. `source` says who changed it, so the part
// that made the change does not redraw itself (the code view keeps the caret where the user types).
export function load(schema, source = "load") {
  if (!schema || typeof schema !== "object" || Array.isArray(schema)) throw new Error('a schema is an object with "fields" or "tables"');
  const { tables: list, fields, name, ...extra } = schema;
  if (Array.isArray(list)) {
    model.tables = clone(list).map((t) => Object.assign({}, t, { fields: t.fields || [] }));
    model.extra = clone(extra);
    if (name !== undefined) model.extra.name = name;
    if (fields !== undefined) model.extra.fields = fields;
  } else if (Array.isArray(fields)) {
    const { correlations, description, ...rest } = extra;
    const table = { name: name || "records", fields: clone(fields) };
    if (correlations) table.correlations = clone(correlations);
    if (description) table.description = description;
    model.tables = [table];
    model.extra = clone(rest);
  } else {
    throw new Error('a schema needs "fields" (one table) or "tables" (several)');
  }
  if (model.active >= model.tables.length) model.active = 0;
  changed(source);
}

export function toSchema() {
  const multi = model.tables.length > 1 || model.tables.some((t) => t.volume !== undefined);
  if (!multi && model.tables.length === 1) {
    const t = model.tables[0];
    const out = { name: t.name, ...model.extra };
    if (t.description) out.description = t.description;
    out.fields = clone(t.fields);
    if (t.correlations && t.correlations.length) out.correlations = clone(t.correlations);
    return out;
  }
  return { ...clone(model.extra), tables: clone(model.tables) };
}

export function changed(source = "grid") { emit("schema", { source }); }

// ---------------------------------------------------------------------------------------- editing
export function uniqueName(base, taken) {
  let name = base;
  for (let i = 2; taken.includes(name); i++) name = `${base}_${i}`;
  return name;
}

export function addField(table, field) {
  const names = table.fields.map((f) => f.name);
  table.fields.push(Object.assign({ name: uniqueName("field", names), type: "string" }, field || {}));
  if (field && field.name && names.includes(field.name)) table.fields[table.fields.length - 1].name = uniqueName(field.name, names);
  changed();
}

export function primaryKey(table) {
  const pk = table.fields.find((f) => f.primary_key) || table.fields.find((f) => f.constraints && f.constraints.unique && ["uuid", "sequence", "integer"].includes(f.type));
  return pk ? pk.name : null;
}

export function referenceFields(table) { return table.fields.filter((f) => f.type === "reference"); }

// Make `child` a child of `parent`: its first reference field points at the parent's key (one is added
// when the parent has no key yet), with `cardinality` children per parent.
export function setParent(child, parentName) {
  const parent = model.tables.find((t) => t.name === parentName);
  let ref = referenceFields(child)[0];
  if (!parent) {
    if (ref) child.fields = child.fields.filter((f) => f !== ref);
    changed();
    return;
  }
  let key = primaryKey(parent);
  if (!key) {
    key = uniqueName(`${parent.name}_id`.replace(/s_id$/, "_id"), parent.fields.map((f) => f.name));
    parent.fields.unshift({ name: key, type: "uuid", constraints: { unique: true }, primary_key: true });
  }
  if (!ref) {
    ref = { name: uniqueName(key, child.fields.map((f) => f.name)), type: "reference", cardinality: { distribution: "poisson", mean: 3, min: 0, max: 10 } };
    const pkAt = child.fields.findIndex((f) => f.primary_key);
    child.fields.splice(pkAt + 1, 0, ref);
  }
  ref.references = `${parent.name}.${key}`;
  changed();
}

export function parentOf(table) {
  const ref = referenceFields(table)[0];
  return ref && ref.references ? ref.references.split(".")[0] : "";
}

export function addTable(parentName) {
  const names = model.tables.map((t) => t.name);
  const base = parentName ? `${parentName.replace(/s$/, "")}_items` : "table";
  const table = { name: uniqueName(base, names), fields: [{ name: "id", type: "uuid", constraints: { unique: true }, primary_key: true }] };
  model.tables.push(table);
  model.active = model.tables.length - 1;
  if (parentName) setParent(table, parentName); else changed();
  return table;
}

export function removeTable(index) {
  const [gone] = model.tables.splice(index, 1);
  for (const t of model.tables) t.fields = t.fields.filter((f) => !(f.type === "reference" && (f.references || "").split(".")[0] === gone.name));
  model.active = Math.max(0, Math.min(model.active, model.tables.length - 1));
  changed();
}

export function renameTable(table, name) {
  const old = table.name;
  table.name = name;
  for (const t of model.tables) {
    for (const f of t.fields) {
      if (f.references && f.references.split(".")[0] === old) f.references = `${name}.${f.references.split(".").slice(1).join(".")}`;
    }
  }
  changed();
}

export function renameField(table, field, name) {
  const old = field.name;
  field.name = name;
  if (field.primary_key || (field.constraints && field.constraints.unique)) {
    for (const t of model.tables) for (const f of t.fields) if (f.references === `${table.name}.${old}`) f.references = `${table.name}.${name}`;
  }
  changed();
}

// Where a message about `path` ("orders.customer_id", "customer_id", "tables[1].fields[2]") points.
export function locate(path) {
  if (!path) return null;
  const idx = /tables\[(\d+)\](?:\.fields\[(\d+)\])?/.exec(path) || /^fields\[(\d+)\]/.exec(path);
  if (idx && path.startsWith("tables")) return { table: Number(idx[1]), field: idx[2] === undefined ? null : Number(idx[2]) };
  if (idx) return { table: 0, field: Number(idx[1]) };
  const parts = String(path).split(".");
  for (let ti = 0; ti < model.tables.length; ti++) {
    const t = model.tables[ti];
    if (parts.length > 1 && parts[0] === t.name) {
      const fi = t.fields.findIndex((f) => f.name === parts[1]);
      return { table: ti, field: fi >= 0 ? fi : null };
    }
  }
  for (let ti = 0; ti < model.tables.length; ti++) {
    const fi = model.tables[ti].fields.findIndex((f) => f.name === parts[parts.length - 1] || f.name === parts[0]);
    if (fi >= 0) return { table: ti, field: fi };
  }
  return null;
}
