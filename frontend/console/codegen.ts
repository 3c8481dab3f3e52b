// GraphQL Code Generator: typed documents for every operation in src/operations.graphql,
// checked against the gateway's generated schema.graphql (scripts/build-console.sh --check
// fails when the committed output drifts from what this config produces).
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: '../../schema.graphql',
  documents: ['src/operations.graphql'],
  generates: {
    'src/generated/graphql.ts': {
      plugins: ['typescript', 'typescript-operations', 'typed-document-node'],
      config: {
        enumsAsTypes: true,
        onlyOperationTypes: true,
        avoidOptionals: { field: true, object: true, inputValue: false, defaultValue: false },
        scalars: { DateTime: 'string', JSON: 'unknown' },
        useTypeImports: true,
      },
    },
  },
};
export default config;
