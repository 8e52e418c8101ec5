/**
 * A small ONNX graph builder: named initializers, nodes with typed attributes, graph inputs and outputs, and
 * serialisation to ModelProto bytes through the onnx.proto subset in onnx-proto.ts.
 */
import { AttributeType, DataType, ModelProto } from './onnx-proto.ts';

export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;

type AttrValue = number | number[] | string | { ints: number[] } | { float: number } | { floats: number[] };

interface AttributeMsg {
  name: string;
  type: number;
  i?: number;
  f?: number;
  s?: Uint8Array;
  ints?: number[];
  floats?: number[];
}

/** A dimension is a fixed size or a symbolic name such as "batch". */
export type Dim = number | string;

function attribute(name: string, value: AttrValue): AttributeMsg {
  if (typeof value === 'number') return { name, type: AttributeType.INT, i: value };
  if (typeof value === 'string')
    return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  if ('ints' in value) return { name, type: AttributeType.INTS, ints: value.ints };
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float };
  return { name, type: AttributeType.FLOATS, floats: value.floats };
}

function valueInfo(name: string, dims: Dim[]) {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  };
}

export class GraphBuilder {
  private readonly nodes: object[] = [];
  private readonly initializers: object[] = [];
  private readonly inputs: object[] = [];
  private readonly outputs: object[] = [];
  private readonly names = new Set<string>();
  private counter = 0;
  private readonly domains = new Set<string>();

  /** A float32 constant; the data is copied and stored little-endian in raw_data. */
  floatConst(name: string, dims: number[], data: ArrayLike<number>): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (data.length !== size)
      throw new Error(`initializer ${name}: ${data.length} values for shape [${dims.join(', ')}]`);
    const f32 = Float32Array.from(data);
    const bytes = new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength);
    return this.addInitializer({ name, dims, data_type: DataType.FLOAT, raw_data: bytes });
  }

  /** An int8 constant (quantised weights), stored in raw_data. */
  int8Const(name: string, dims: number[], data: Int8Array): string {
    return this.addInitializer({
      name,
      dims,
      data_type: DataType.INT8,
      raw_data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
  }

  /** A scalar (rank-0) constant: quantisation scales and zero points. */
  scalar(name: string, value: number, type: 'float' | 'uint8' | 'int8'): string {
    const raw =
      type === 'float'
        ? new Uint8Array(Float32Array.of(value).buffer)
        : type === 'uint8'
          ? Uint8Array.of(value)
          : new Uint8Array(Int8Array.of(value).buffer);
    const dataType = { float: DataType.FLOAT, uint8: DataType.UINT8, int8: DataType.INT8 }[type];
    return this.addInitializer({ name, dims: [], data_type: dataType, raw_data: raw });
  }

  int64Const(name: string, values: number[]): string {
    const i64 = BigInt64Array.from(values.map((v) => BigInt(v)));
    return this.addInitializer({
      name,
      dims: [values.length],
      data_type: DataType.INT64,
      raw_data: new Uint8Array(i64.buffer),
    });
  }

  /** A fresh name prefix for a group of constants. */
  fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  input(name: string, dims: Dim[]): string {
    this.claim(name);
    this.inputs.push(valueInfo(name, dims));
    return name;
  }

  output(name: string, dims: Dim[]): void {
    this.outputs.push(valueInfo(name, dims));
  }

  /** Adds a node and returns its single output's name (`outName` when given, else a fresh one). */
  op(
    opType: string,
    inputs: string[],
    attrs: Record<string, AttrValue> = {},
    outName?: string,
    domain = '',
  ): string {
    return this.opOutputs(opType, inputs, 1, attrs, outName ? [outName] : [], domain)[0] as string;
  }

  /** Adds a node with `count` outputs (named `outNames[i]` when given, else fresh) and returns their names. */
  opOutputs(
    opType: string,
    inputs: string[],
    count: number,
    attrs: Record<string, AttrValue> = {},
    outNames: string[] = [],
    domain = '',
  ): string[] {
    const outs = Array.from(
      { length: count },
      (_, i) => outNames[i] ?? `${opType.toLowerCase()}_${this.counter++}`,
    );
    for (const out of outs) this.claim(out);
    if (domain !== '') this.domains.add(domain);
    this.nodes.push({
      op_type: opType,
      domain,
      name: `${opType}_${this.nodes.length}`,
      input: inputs,
      output: outs,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outs;
  }

  encode(graphName: string, meta: Record<string, string> = {}, docString = ''): Uint8Array {
    const model = ModelProto.fromObject({
      ir_version: ONNX_IR_VERSION,
      opset_import: [
        { domain: '', version: ONNX_OPSET },
        ...[...this.domains].map((domain) => ({ domain, version: 1 })),
      ],
      producer_name: 'clarity-inference-run',
      producer_version: '1',
      doc_string: docString,
      graph: {
        name: graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
      metadata_props: Object.entries(meta).map(([key, value]) => ({ key, value })),
    });
    return ModelProto.encode(model).finish();
  }

  private addInitializer(init: {
    name: string;
    dims: number[];
    data_type: number;
    raw_data: Uint8Array;
  }): string {
    this.claim(init.name);
    this.initializers.push(init);
    return init.name;
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new Error(`duplicate tensor name ${name}`);
    this.names.add(name);
  }
}
