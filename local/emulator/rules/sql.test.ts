import { presenceRule } from '../../../core/iot-rules.js';
import { parseRuleSql, RuleSqlError } from './sql.js';

const refusal = (sql: string): string => {
  try {
    parseRuleSql(sql);
  } catch (error) {
    expect(error).toBeInstanceOf(RuleSqlError);
    return (error as Error).message;
  }
  throw new Error(`accepted: ${sql}`);
};

describe('parseRuleSql', () => {
  it('parses the presence rule of core/iot-rules.ts', () => {
    // Filtered to this stage's clients (Cognito users connect as <app>.<stage>.<identity id>).
    expect(parseRuleSql(presenceRule({ app: 'iot-realtime', stage: 'local' }).sql)).toEqual({
      select: [{ kind: 'all' }],
      from: '$aws/events/presence/+/+',
      where: { kind: 'startswith', value: { kind: 'field', path: ['clientId'] }, prefix: { kind: 'literal', value: 'iot-realtime.local.' } },
    });
  });

  it('parses fields, paths, aliases (dotted too), * beside fields, and keywords in any case', () => {
    expect(parseRuleSql("select *, color AS c, a.b as x.y, topic(2) AS t, topic() AS full, 15 AS speed FROM 'a/#'")).toEqual({
      select: [
        { kind: 'all' },
        { kind: 'value', expression: { kind: 'field', path: ['color'] }, alias: ['c'] },
        { kind: 'value', expression: { kind: 'field', path: ['a', 'b'] }, alias: ['x', 'y'] },
        { kind: 'value', expression: { kind: 'topic', level: 2 }, alias: ['t'] },
        { kind: 'value', expression: { kind: 'topic' }, alias: ['full'] },
        { kind: 'value', expression: { kind: 'literal', value: 15 }, alias: ['speed'] },
      ],
      from: 'a/#',
    });
    expect(parseRuleSql("SELECT color FROM 'a/b'").select).toEqual([{ kind: 'value', expression: { kind: 'field', path: ['color'] }, alias: ['color'] }]);
  });

  it('gives NOT over comparison, AND over OR, and honours parentheses', () => {
    const { where } = parseRuleSql("SELECT * FROM 't' WHERE NOT a = 1 OR b <> 'x' AND (c >= -2.5 OR d < 3e2) AND e <= TRUE AND f > NULL");
    expect(where).toEqual({
      kind: 'or',
      left: { kind: 'not', operand: { kind: 'compare', operator: '=', left: { kind: 'field', path: ['a'] }, right: { kind: 'literal', value: 1 } } },
      right: {
        kind: 'and',
        left: {
          kind: 'and',
          left: {
            kind: 'and',
            left: { kind: 'compare', operator: '<>', left: { kind: 'field', path: ['b'] }, right: { kind: 'literal', value: 'x' } },
            right: {
              kind: 'or',
              left: { kind: 'compare', operator: '>=', left: { kind: 'field', path: ['c'] }, right: { kind: 'literal', value: -2.5 } },
              right: { kind: 'compare', operator: '<', left: { kind: 'field', path: ['d'] }, right: { kind: 'literal', value: 300 } },
            },
          },
          right: { kind: 'compare', operator: '<=', left: { kind: 'field', path: ['e'] }, right: { kind: 'literal', value: true } },
        },
        right: { kind: 'compare', operator: '>', left: { kind: 'field', path: ['f'] }, right: { kind: 'literal', value: null } },
      },
    });
  });

  it('reads strings in single and double quotes', () => {
    expect(parseRuleSql(`SELECT * FROM 't' WHERE a = "x y" OR b = 'its'`).where).toMatchObject({
      left: { right: { kind: 'literal', value: 'x y' } },
      right: { right: { kind: 'literal', value: 'its' } },
    });
  });

  it.each([
    ["SELECT * FROM 'a/b' WHERE", /found the end of the statement where a value was expected/],
    ['SELECT * FROM a/b', /FROM needs a topic filter in single quotes/],
    ['SELECT * FROM "a/b"', /FROM needs a topic filter in single quotes/],
    ["SELECT * FROM ''", /topic filter is empty/],
    ["SELECT * FROM 'a/#/b'", /"#" must be the whole last level/],
    ["SELECT * FROM 'a/b#'", /"#" must be the whole last level/],
    ["SELECT * FROM 'a/b+'", /"\+" must be a whole level/],
    ["SELECT * FROM 'a' WHERE x + 1 > 2", /arithmetic \("\+"\) is not supported/],
    ["SELECT * FROM 'a' WHERE x - 1 > 2", /arithmetic \("-"\) is not supported/],
    ["SELECT (t - 32) * 5 AS c FROM 'a'", /arithmetic \("-"\) is not supported/],
    ["SELECT t * 5 AS c FROM 'a'", /arithmetic \("\*"\) is not supported/],
    ["SELECT * FROM 'a' WHERE x != 2", /"!=" is not an IoT SQL operator: use <>/],
    ["SELECT * FROM 'a' WHERE x = #", /unexpected character "#"/],
    ["SELECT * FROM 'a' WHERE x IN (1, 2)", /IN is not supported/],
    ["SELECT VALUE color FROM 'a'", /VALUE is not supported/],
    ["SELECT CASE x WHEN 1 THEN 2 END AS y FROM 'a'", /CASE is not supported/],
    ["SELECT upper(color) AS c FROM 'a'", /the function upper\(\) is not supported/],
    ["SELECT topic(0) AS t FROM 'a'", /topic\(n\) takes a level number from 1/],
    ["SELECT a.b FROM 'a'", /needs a name: add AS/],
    ["SELECT 'x' FROM 'a'", /needs a name: add AS/],
    ["SELECT *, * FROM 'a'", /\* appears twice/],
    ["SELECT * FROM 'a' WHERE a = 1 = 2", /comparisons do not chain/],
    ["SELECT * FROM 'a' WHERE (a = 1", /expected "\)" to close the parenthesis/],
    ["SELECT * FROM 'a' WHERE startswith(a)", /expected "," between the arguments of startswith\(\)/],
    ["SELECT * FROM 'a' WHERE startswith(a, 'b', 'c')", /expected "\)" after the arguments of startswith\(\)/],
    ["SELECT * FROM 'a' -- all", /comments are not supported/],
    ["SELECT * FROM 'a' WHERE a = 'open", /unterminated string/],
    ["SELECT * FROM 'a' LIMIT 1", /found "LIMIT" after the FROM clause/],
    ["SELECT * FROM 'a' WHERE a = 1 b", /found "b" after the WHERE clause/],
    ["SELECT select FROM 'a'", /found the keyword SELECT/],
    ['INSERT INTO t VALUES (1)', /expected SELECT, found "INSERT"/],
    ['', /expected SELECT, found the end/],
  ])('refuses %j naming the problem', (sql, problem) => {
    const message = refusal(sql);
    expect(message).toMatch(problem);
    expect(message).toMatch(/at character \d+ of /);
  });
});

describe('startswith()', () => {
  it('parses startswith(String, String) in WHERE and SELECT, any case, with expressions as arguments', () => {
    const rule = parseRuleSql("SELECT startswith(clientId, 'app.') AS ours FROM 'a' WHERE STARTSWITH(topic(2), \"local\")");
    expect(rule.select).toEqual([
      {
        kind: 'value',
        alias: ['ours'],
        expression: { kind: 'startswith', value: { kind: 'field', path: ['clientId'] }, prefix: { kind: 'literal', value: 'app.' } },
      },
    ]);
    expect(rule.where).toEqual({ kind: 'startswith', value: { kind: 'topic', level: 2 }, prefix: { kind: 'literal', value: 'local' } });
  });
});
