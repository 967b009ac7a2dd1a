/**
 * The subset of the AWS IoT SQL that the project's rules use, parsed into a small tree; anything outside it is refused
 * with a RuleSqlError naming what and where, when the rule is created (never a rule that silently matches nothing).
 *
 * Supported, with the page of the "AWS IoT SQL reference" (https://docs.aws.amazon.com/iot/latest/developerguide/)
 * each piece follows:
 * - `SELECT *`, fields and field paths `a.b` ("SELECT clause": "You can use '.' syntax to drill into nested JSON
 *   objects"), `AS` aliases, also dotted ("JSON extensions": `SELECT foo.bar AS bar.baz`), `*` beside other items
 *   ("SELECT clause": `SELECT *, 15 as speed`). An item other than `*` or a plain field needs `AS` here.
 * - `FROM '<topic filter>'` in single quotes, `+` and `#` as in MQTT ("FROM clause").
 * - `WHERE` ("WHERE clause") with `=`, `<>`, `<`, `>`, `<=`, `>=`, `AND`, `OR`, `NOT` and parentheses ("Operators").
 * - Literals: strings in single or double quotes (`color <> 'red'` in "WHERE clause", `upper("hello")` in
 *   "Functions"), numbers, `true`, `false`, `NULL` ("Data types": "You can explicitly create a Null value by using the
 *   Null keyword").
 * - The function `topic()` / `topic(n)` ("Functions", topic(Decimal): "with 1 designating the first segment"), and
 *   `startswith(String, String)` ("Functions", startswith: whether the first argument starts with the second).
 * Keywords are case-insensitive (the docs write both `SELECT` and `select`). Comments are refused, as IoT does
 * ("Comments are not currently supported in AWS IoT SQL syntax").
 */

export class RuleSqlError extends Error {
  override readonly name = 'RuleSqlError';
  constructor(
    message: string,
    readonly sql: string,
    readonly position: number,
  ) {
    super(`${message} (at character ${position + 1} of ${JSON.stringify(sql)})`);
  }
}

export type ComparisonOperator = '=' | '<>' | '<' | '>' | '<=' | '>=';
export type LiteralValue = string | number | boolean | null;

export type Expression =
  | { kind: 'literal'; value: LiteralValue }
  | { kind: 'field'; path: string[] }
  /** topic() when `level` is undefined, else topic(level) with level >= 1. */
  | { kind: 'topic'; level?: number }
  | { kind: 'startswith'; value: Expression; prefix: Expression }
  | { kind: 'not'; operand: Expression }
  | { kind: 'and' | 'or'; left: Expression; right: Expression }
  | { kind: 'compare'; operator: ComparisonOperator; left: Expression; right: Expression };

export type SelectItem = { kind: 'all' } | { kind: 'value'; expression: Expression; alias: string[] };

export interface RuleSql {
  select: SelectItem[];
  /** The topic filter of FROM, unquoted. */
  from: string;
  where?: Expression;
}

type Token =
  | { type: 'word'; text: string; position: number }
  | { type: 'number'; value: number; position: number }
  | { type: 'string'; value: string; quote: "'" | '"'; position: number }
  | { type: 'symbol'; text: string; position: number }
  | { type: 'end'; position: number };

const KEYWORDS = new Set(['SELECT', 'FROM', 'WHERE', 'AS', 'AND', 'OR', 'NOT', 'TRUE', 'FALSE', 'NULL']);
/** Words of IoT SQL this subset does not implement: named in the error rather than misread as field names. */
const UNSUPPORTED_WORDS = new Set(['VALUE', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'IN', 'SET', 'IS', 'LIKE', 'BETWEEN', 'DISTINCT']);
const SYMBOLS = ['<>', '<=', '>=', '!=', '=', '<', '>', '*', ',', '.', '(', ')', '+', '-', '/', '%'];
const COMPARISONS = ['=', '<>', '<', '>', '<=', '>='];
/** IoT SQL has arithmetic ("Operators": + - * / %); this subset does not. */
const ARITHMETIC = ['+', '-', '*', '/', '%'];
const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /\d+(\.\d+)?([eE][+-]?\d+)?/y;

function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i += 1;
      continue;
    }
    if (sql.startsWith('--', i) || sql.startsWith('/*', i)) throw new RuleSqlError('comments are not supported in AWS IoT SQL', sql, i);
    if (c === "'" || c === '"') {
      const close = sql.indexOf(c, i + 1);
      if (close < 0) throw new RuleSqlError(`unterminated string (missing closing ${c})`, sql, i);
      tokens.push({ type: 'string', value: sql.slice(i + 1, close), quote: c, position: i });
      i = close + 1;
      continue;
    }
    IDENTIFIER.lastIndex = i;
    const word = IDENTIFIER.exec(sql);
    if (word) {
      tokens.push({ type: 'word', text: word[0], position: i });
      i += word[0].length;
      continue;
    }
    // A minus sign is part of a number literal where a value starts (there is no arithmetic to subtract with).
    const negative = c === '-' && startsValue(tokens.at(-1));
    NUMBER.lastIndex = negative ? i + 1 : i;
    const number = NUMBER.exec(sql);
    if (number) {
      tokens.push({ type: 'number', value: Number(number[0]) * (negative ? -1 : 1), position: i });
      i += number[0].length + (negative ? 1 : 0);
      continue;
    }
    const symbol = SYMBOLS.find((s) => sql.startsWith(s, i));
    if (symbol) {
      tokens.push({ type: 'symbol', text: symbol, position: i });
      i += symbol.length;
      continue;
    }
    throw new RuleSqlError(`unexpected character ${JSON.stringify(c)}`, sql, i);
  }
  tokens.push({ type: 'end', position: sql.length });
  return tokens;
}

/** Whether a value may start after `previous`: at the beginning, after an operator, "(", "," or a keyword. */
function startsValue(previous: Token | undefined): boolean {
  if (previous === undefined) return true;
  if (previous.type === 'symbol') return previous.text !== ')' && previous.text !== '*';
  return previous.type === 'word' && KEYWORDS.has(previous.text.toUpperCase());
}

class Parser {
  #at = 0;

  constructor(
    private readonly sql: string,
    private readonly tokens: Token[],
  ) {}

  parse(): RuleSql {
    this.#expectKeyword('SELECT');
    const select = this.#selectList();
    this.#expectKeyword('FROM');
    const from = this.#next();
    if (from.type !== 'string' || from.quote !== "'") throw this.#error("FROM needs a topic filter in single quotes, e.g. FROM 'a/+/c'", from);
    validateTopicFilter(from.value, this.sql, from.position);
    let where: Expression | undefined;
    if (this.#isKeyword(this.#peek(), 'WHERE')) {
      this.#next();
      where = this.#expression();
    }
    const end = this.#next();
    if (end.type !== 'end') throw this.#unexpected(end, `after the ${where ? 'WHERE clause' : 'FROM clause'}`);
    return where ? { select, from: from.value, where } : { select, from: from.value };
  }

  #selectList(): SelectItem[] {
    const items: SelectItem[] = [];
    do {
      const token = this.#peek();
      if (token.type === 'symbol' && token.text === '*') {
        this.#next();
        if (items.some((item) => item.kind === 'all')) throw this.#error('* appears twice in SELECT', token);
        items.push({ kind: 'all' });
        continue;
      }
      const expression = this.#expression();
      let alias: string[] | undefined;
      if (this.#isKeyword(this.#peek(), 'AS')) {
        this.#next();
        alias = this.#path(this.#expectWord('an alias after AS'));
      } else if (expression.kind === 'field' && expression.path.length === 1) {
        alias = expression.path;
      } else {
        throw this.#error('this SELECT item needs a name: add AS <name>', token);
      }
      items.push({ kind: 'value', expression, alias });
    } while (this.#acceptSymbol(','));
    return items;
  }

  #expression(): Expression {
    let left = this.#conjunction();
    while (this.#isKeyword(this.#peek(), 'OR')) {
      this.#next();
      left = { kind: 'or', left, right: this.#conjunction() };
    }
    return left;
  }

  #conjunction(): Expression {
    let left = this.#negation();
    while (this.#isKeyword(this.#peek(), 'AND')) {
      this.#next();
      left = { kind: 'and', left, right: this.#negation() };
    }
    return left;
  }

  #negation(): Expression {
    if (this.#isKeyword(this.#peek(), 'NOT')) {
      this.#next();
      return { kind: 'not', operand: this.#negation() };
    }
    return this.#comparison();
  }

  #comparison(): Expression {
    const left = this.#operand();
    const token = this.#peek();
    if (token.type === 'symbol' && COMPARISONS.includes(token.text)) {
      this.#next();
      const right = this.#operand();
      const next = this.#peek();
      if (next.type === 'symbol' && COMPARISONS.includes(next.text)) throw this.#error('comparisons do not chain; combine them with AND', next);
      return { kind: 'compare', operator: token.text as ComparisonOperator, left, right };
    }
    if (token.type === 'symbol' && token.text === '!=') throw this.#error('"!=" is not an IoT SQL operator: use <>', token);
    return left;
  }

  /** A value, refusing the arithmetic that may follow it. */
  #operand(): Expression {
    const value = this.#primary();
    const next = this.#peek();
    if (next.type === 'symbol' && ARITHMETIC.includes(next.text))
      throw this.#error(`arithmetic ("${next.text}") is not supported by the local rules engine`, next);
    return value;
  }

  #primary(): Expression {
    const token = this.#next();
    if (token.type === 'string') return { kind: 'literal', value: token.value };
    if (token.type === 'number') return { kind: 'literal', value: token.value };
    if (token.type === 'symbol' && token.text === '(') {
      const inner = this.#expression();
      this.#expectSymbol(')', 'to close the parenthesis');
      return inner;
    }
    if (token.type === 'word') {
      const upper = token.text.toUpperCase();
      if (upper === 'TRUE' || upper === 'FALSE') return { kind: 'literal', value: upper === 'TRUE' };
      if (upper === 'NULL') return { kind: 'literal', value: null };
      if (this.#isSymbol(this.#peek(), '(')) return this.#functionCall(token);
      return { kind: 'field', path: this.#path(token) };
    }
    throw this.#unexpected(token, 'where a value was expected');
  }

  #functionCall(name: Extract<Token, { type: 'word' }>): Expression {
    this.#expectSymbol('(', 'after the function name');
    if (name.text.toLowerCase() === 'startswith') {
      const value = this.#expression();
      this.#expectSymbol(',', 'between the arguments of startswith()');
      const prefix = this.#expression();
      this.#expectSymbol(')', 'after the arguments of startswith()');
      return { kind: 'startswith', value, prefix };
    }
    if (name.text.toLowerCase() !== 'topic')
      throw this.#error(`the function ${name.text}() is not supported by the local rules engine (only topic(), topic(n) and startswith())`, name);
    if (this.#acceptSymbol(')')) return { kind: 'topic' };
    const level = this.#next();
    if (level.type !== 'number' || !Number.isInteger(level.value) || level.value < 1) throw this.#error('topic(n) takes a level number from 1', level);
    this.#expectSymbol(')', 'after the topic level');
    return { kind: 'topic', level: level.value };
  }

  /** A field path or alias: word ('.' word)*; keywords are not field names. */
  #path(first: Extract<Token, { type: 'word' }>): string[] {
    const path = [this.#fieldName(first)];
    while (this.#acceptSymbol('.')) path.push(this.#fieldName(this.#expectWord('a field name after "."')));
    return path;
  }

  #fieldName(token: Extract<Token, { type: 'word' }>): string {
    const upper = token.text.toUpperCase();
    if (UNSUPPORTED_WORDS.has(upper)) throw this.#error(`${upper} is not supported by the local rules engine`, token);
    if (KEYWORDS.has(upper)) throw this.#error(`expected a field name, found the keyword ${upper}`, token);
    return token.text;
  }

  #expectKeyword(keyword: string): void {
    const token = this.#next();
    if (!this.#isKeyword(token, keyword)) {
      if (token.type === 'word' && UNSUPPORTED_WORDS.has(token.text.toUpperCase()))
        throw this.#error(`${token.text.toUpperCase()} is not supported by the local rules engine`, token);
      throw this.#error(`expected ${keyword}, found ${describe(token)}`, token);
    }
  }

  #expectWord(what: string): Extract<Token, { type: 'word' }> {
    const token = this.#next();
    if (token.type !== 'word') throw this.#error(`expected ${what}, found ${describe(token)}`, token);
    return token;
  }

  #expectSymbol(symbol: string, why: string): void {
    const token = this.#next();
    if (!this.#isSymbol(token, symbol)) throw this.#error(`expected "${symbol}" ${why}, found ${describe(token)}`, token);
  }

  #acceptSymbol(symbol: string): boolean {
    if (!this.#isSymbol(this.#peek(), symbol)) return false;
    this.#next();
    return true;
  }

  #isKeyword(token: Token, keyword: string): boolean {
    return token.type === 'word' && token.text.toUpperCase() === keyword;
  }

  #isSymbol(token: Token, symbol: string): boolean {
    return token.type === 'symbol' && token.text === symbol;
  }

  #peek(): Token {
    return this.tokens[this.#at]!;
  }

  #next(): Token {
    const token = this.tokens[this.#at]!;
    if (token.type !== 'end') this.#at += 1;
    return token;
  }

  #error(message: string, token: Token): RuleSqlError {
    return new RuleSqlError(message, this.sql, token.position);
  }

  /** A token out of place; words of IoT SQL this subset lacks are named as such. */
  #unexpected(token: Token, where: string): RuleSqlError {
    if (token.type === 'word' && UNSUPPORTED_WORDS.has(token.text.toUpperCase()))
      return this.#error(`${token.text.toUpperCase()} is not supported by the local rules engine`, token);
    return this.#error(`found ${describe(token)} ${where}`, token);
  }
}

function describe(token: Token): string {
  switch (token.type) {
    case 'end':
      return 'the end of the statement';
    case 'word':
      return `"${token.text}"`;
    case 'number':
      return `the number ${token.value}`;
    case 'string':
      return `the string ${token.quote}${token.value}${token.quote}`;
    case 'symbol':
      return `"${token.text}"`;
  }
}

/**
 * MQTT topic filter rules ("MQTT topics", AWS IoT developer guide; MQTT 3.1.1 section 4.7.1): `#` only as the whole last
 * level, `+` only as a whole level; not empty.
 */
export function validateTopicFilter(filter: string, sql = filter, position = 0): void {
  if (filter.length === 0) throw new RuleSqlError('the FROM topic filter is empty', sql, position);
  const levels = filter.split('/');
  levels.forEach((level, i) => {
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1))
      throw new RuleSqlError(`"#" must be the whole last level of the topic filter ${JSON.stringify(filter)}`, sql, position);
    if (level.includes('+') && level !== '+') throw new RuleSqlError(`"+" must be a whole level of the topic filter ${JSON.stringify(filter)}`, sql, position);
  });
}

export function parseRuleSql(sql: string): RuleSql {
  return new Parser(sql, tokenize(sql)).parse();
}
