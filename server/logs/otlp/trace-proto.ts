/**
 * The OTLP trace protocol's messages as a protobufjs JSON descriptor: a transcription of
 * opentelemetry-proto's collector/trace/v1/trace_service.proto, trace/v1/trace.proto,
 * common/v1/common.proto and resource/v1/resource.proto (v1.x; field numbers as there). A spec, not
 * code: fields Keel does not read (trace state, links, dropped counts, entity refs) are left out, and
 * protobuf decoders skip unknown fields, so newer senders still decode.
 */
const common = {
  AnyValue: {
    oneofs: { value: { oneof: ["stringValue", "boolValue", "intValue", "doubleValue", "arrayValue", "kvlistValue", "bytesValue"] } },
    fields: {
      stringValue: { type: "string", id: 1 },
      boolValue: { type: "bool", id: 2 },
      intValue: { type: "int64", id: 3 },
      doubleValue: { type: "double", id: 4 },
      arrayValue: { type: "ArrayValue", id: 5 },
      kvlistValue: { type: "KeyValueList", id: 6 },
      bytesValue: { type: "bytes", id: 7 },
    },
  },
  ArrayValue: { fields: { values: { rule: "repeated", type: "AnyValue", id: 1 } } },
  KeyValueList: { fields: { values: { rule: "repeated", type: "KeyValue", id: 1 } } },
  KeyValue: { fields: { key: { type: "string", id: 1 }, value: { type: "AnyValue", id: 2 } } },
  InstrumentationScope: {
    fields: {
      name: { type: "string", id: 1 },
      version: { type: "string", id: 2 },
      attributes: { rule: "repeated", type: "KeyValue", id: 3 },
    },
  },
};

const KV = "opentelemetry.proto.common.v1.KeyValue";

const trace = {
  ResourceSpans: {
    fields: {
      resource: { type: "opentelemetry.proto.resource.v1.Resource", id: 1 },
      scopeSpans: { rule: "repeated", type: "ScopeSpans", id: 2 },
      schemaUrl: { type: "string", id: 3 },
    },
  },
  ScopeSpans: {
    fields: {
      scope: { type: "opentelemetry.proto.common.v1.InstrumentationScope", id: 1 },
      spans: { rule: "repeated", type: "Span", id: 2 },
      schemaUrl: { type: "string", id: 3 },
    },
  },
  Span: {
    fields: {
      traceId: { type: "bytes", id: 1 },
      spanId: { type: "bytes", id: 2 },
      parentSpanId: { type: "bytes", id: 4 },
      name: { type: "string", id: 5 },
      kind: { type: "int32", id: 6 },
      startTimeUnixNano: { type: "fixed64", id: 7 },
      endTimeUnixNano: { type: "fixed64", id: 8 },
      attributes: { rule: "repeated", type: KV, id: 9 },
      events: { rule: "repeated", type: "Event", id: 11 },
      status: { type: "Status", id: 15 },
      flags: { type: "fixed32", id: 16 },
    },
    nested: {
      Event: {
        fields: {
          timeUnixNano: { type: "fixed64", id: 1 },
          name: { type: "string", id: 2 },
          attributes: { rule: "repeated", type: KV, id: 3 },
        },
      },
    },
  },
  // field 1 is reserved (the deprecated `deprecated_code`)
  Status: { fields: { message: { type: "string", id: 2 }, code: { type: "int32", id: 3 } } },
};

const collector = {
  ExportTraceServiceRequest: {
    fields: { resourceSpans: { rule: "repeated", type: "opentelemetry.proto.trace.v1.ResourceSpans", id: 1 } },
  },
  ExportTraceServiceResponse: { fields: { partialSuccess: { type: "ExportTracePartialSuccess", id: 1 } } },
  ExportTracePartialSuccess: {
    fields: { rejectedSpans: { type: "int64", id: 1 }, errorMessage: { type: "string", id: 2 } },
  },
};

export const OTLP_TRACE_DESCRIPTOR = {
  nested: {
    opentelemetry: {
      nested: {
        proto: {
          nested: {
            common: { nested: { v1: { nested: common } } },
            resource: {
              nested: {
                v1: {
                  nested: {
                    Resource: { fields: { attributes: { rule: "repeated", type: KV, id: 1 } } },
                  },
                },
              },
            },
            trace: { nested: { v1: { nested: trace } } },
            collector: { nested: { trace: { nested: { v1: { nested: collector } } } } },
          },
        },
      },
    },
  },
};
