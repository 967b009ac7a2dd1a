/**
 * The resource graph: references and depends_on order the creation (Terraform, "Resource Graph"), a cycle or a
 * reference to an undeclared resource stops the apply, and each resource sees only its own dependency closure.
 */
import { resourceGraph } from './graph.js';
import { type Block, blocksOf, type TerraformJson, UnsupportedConfigurationError } from './terraform-json.js';

const stack = (resource: TerraformJson['resource'], data: TerraformJson['data'] = {}): Block[] => blocksOf({ resource, data });

describe('resourceGraph', () => {
  const blocks = stack(
    {
      aws_iam_role: { worker: { name: 'worker', assume_role_policy: '{}' } },
      aws_iam_role_policy: { worker_sqs: { role: '${aws_iam_role.worker.name}', name: 'sqs', policy: '${aws_sqs_queue.jobs.arn}' } },
      aws_sqs_queue: { jobs: { name: 'jobs', redrive_policy: '{"deadLetterTargetArn":"${aws_sqs_queue.dlq.arn}"}' }, dlq: { name: 'dlq' } },
      aws_lambda_function: { worker: { role: '${aws_iam_role.worker.arn}', function_name: 'w-${data.aws_region.here.name}' } },
      aws_lambda_event_source_mapping: {
        worker: {
          function_name: '${aws_lambda_function.worker.function_name}',
          event_source_arn: '${aws_sqs_queue.jobs.arn}',
          depends_on: ['aws_iam_role_policy.worker_sqs'],
        },
      },
      aws_cloudwatch_log_group: { unrelated: { name: 'x' } },
    },
    { aws_region: { here: {} } },
  );

  it('orders every block after its dependencies (references and depends_on), ties by address, repeatably', () => {
    const graph = resourceGraph(blocks);
    const order = graph.order.map((b) => b.address);
    expect(order).toHaveLength(blocks.length);
    expect(new Set(order).size).toBe(blocks.length);
    const createdBefore = (a: string, b: string) => expect(order.indexOf(a)).toBeLessThan(order.indexOf(b));
    createdBefore('aws_sqs_queue.dlq', 'aws_sqs_queue.jobs');
    createdBefore('aws_iam_role.worker', 'aws_iam_role_policy.worker_sqs');
    createdBefore('aws_sqs_queue.jobs', 'aws_iam_role_policy.worker_sqs');
    createdBefore('data.aws_region.here', 'aws_lambda_function.worker');
    createdBefore('aws_iam_role.worker', 'aws_lambda_function.worker');
    createdBefore('aws_iam_role_policy.worker_sqs', 'aws_lambda_event_source_mapping.worker');
    createdBefore('aws_lambda_function.worker', 'aws_lambda_event_source_mapping.worker');
    // The same input in another order gives the same order.
    expect(resourceGraph([...blocks].reverse()).order.map((b) => b.address)).toEqual(order);
  });

  it('gives each block its transitive dependencies, and nothing it does not depend on', () => {
    const graph = resourceGraph(blocks);
    expect([...graph.dependencies('aws_lambda_event_source_mapping.worker')].sort()).toEqual([
      'aws_iam_role.worker',
      'aws_iam_role_policy.worker_sqs',
      'aws_lambda_function.worker',
      'aws_sqs_queue.dlq',
      'aws_sqs_queue.jobs',
      'data.aws_region.here',
    ]);
    expect([...graph.dependencies('aws_lambda_function.worker')].sort()).toEqual(['aws_iam_role.worker', 'data.aws_region.here']);
    // The function does not depend on the role policy: Terraform may create them in either order.
    expect(graph.dependencies('aws_lambda_function.worker').has('aws_iam_role_policy.worker_sqs')).toBe(false);
    expect(graph.dependencies('aws_sqs_queue.dlq').size).toBe(0);
    expect(graph.dependencies('aws_cloudwatch_log_group.unrelated').size).toBe(0);
  });

  it('refuses a dependency cycle, naming its path', () => {
    const cyclic = stack({
      aws_sqs_queue: { a: { name: '${aws_sqs_queue.b.name}' }, b: { name: 'b', depends_on: ['aws_sqs_queue.c'] }, c: { name: '${aws_sqs_queue.a.arn}' } },
    });
    expect(() => resourceGraph(cyclic)).toThrow(UnsupportedConfigurationError);
    expect(() => resourceGraph(cyclic)).toThrow('dependency cycle: aws_sqs_queue.a -> aws_sqs_queue.b -> aws_sqs_queue.c -> aws_sqs_queue.a');
  });

  it('refuses a reference to itself and to a resource the configuration does not declare', () => {
    expect(() => resourceGraph(stack({ aws_sqs_queue: { a: { name: '${aws_sqs_queue.a.arn}' } } }))).toThrow('aws_sqs_queue.a refers to itself');
    expect(() => resourceGraph(stack({ aws_sqs_queue: { a: { name: '${aws_sqs_queue.missing.arn}' } } }))).toThrow(
      'aws_sqs_queue.a refers to aws_sqs_queue.missing, which the configuration does not declare',
    );
    expect(() => resourceGraph(stack({ aws_sqs_queue: { a: { name: 'a', depends_on: ['aws_iam_role.gone'] } } }))).toThrow(
      'aws_sqs_queue.a refers to aws_iam_role.gone',
    );
  });
});
