using System.Globalization;

namespace Offswitch.Models.Gguf.Jinja;

/// <summary>Recursive-descent parser with Jinja's operator precedence (filters and tests bind tighter than arithmetic).</summary>
internal sealed class JinjaParser
{
    private static readonly HashSet<string> CompareOperators = ["==", "!=", "<", ">", "<=", ">="];

    // Names that end a bare test argument (`x is divisibleby 3` takes one; `x is defined and y` does not).
    private static readonly HashSet<string> Keywords = ["and", "or", "not", "in", "is", "if", "else", "elif", "endif", "for", "recursive"];

    private readonly List<Token> _tokens;
    private int _position;

    private JinjaParser(List<Token> tokens) => _tokens = tokens;

    public static IReadOnlyList<Node> Parse(string source)
    {
        var parser = new JinjaParser(JinjaLexer.Tokenize(source));
        var body = parser.ParseBody([]);
        if (parser.Current.Kind != TokenKind.End)
        {
            throw parser.Error($"unexpected {{% {parser.Peek(1).Value} %}}");
        }

        return body;
    }

    private Token Current => _tokens[_position];

    private Token Peek(int offset) => _tokens[Math.Min(_position + offset, _tokens.Count - 1)];

    private Token Next() => _tokens[_position++];

    private JinjaException Error(string message) => new($"Line {Current.Line}: {message}.");

    private Token Expect(TokenKind kind, string? value = null)
    {
        var token = Current;
        if (token.Kind != kind || (value is not null && token.Value != value))
        {
            throw Error($"expected {value ?? kind.ToString()} but found {token}");
        }

        _position++;
        return token;
    }

    private string ExpectName() => Expect(TokenKind.Name).Value;

    // Parses nodes until a statement whose keyword is in `ends` (left unconsumed, positioned at its "{%").
    private List<Node> ParseBody(HashSet<string> ends)
    {
        var nodes = new List<Node>();
        while (Current.Kind != TokenKind.End)
        {
            var token = Current;
            switch (token.Kind)
            {
                case TokenKind.Text:
                    nodes.Add(new TextNode(Next().Value, token.Line));
                    break;
                case TokenKind.OutputStart:
                    Next();
                    nodes.Add(new OutputNode(ParseExpression(), token.Line));
                    Expect(TokenKind.OutputEnd);
                    break;
                case TokenKind.StatementStart:
                    var keyword = Peek(1);
                    if (keyword.Kind == TokenKind.Name && ends.Contains(keyword.Value))
                    {
                        return nodes;
                    }

                    Next();
                    nodes.Add(ParseStatement());
                    break;
                default:
                    throw Error($"unexpected {token}");
            }
        }

        if (ends.Count > 0)
        {
            throw Error($"missing {{% {string.Join(" or ", ends)} %}}");
        }

        return nodes;
    }

    private void ExpectStatement(string keyword)
    {
        Expect(TokenKind.StatementStart);
        if (!Current.IsName(keyword))
        {
            throw Error($"expected {{% {keyword} %}} but found {Current}");
        }

        Next();
        Expect(TokenKind.StatementEnd);
    }

    private Node ParseStatement()
    {
        var keyword = Expect(TokenKind.Name);
        switch (keyword.Value)
        {
            case "if":
                return ParseIf(keyword.Line);
            case "for":
                return ParseFor(keyword.Line);
            case "set":
                return ParseSet(keyword.Line);
            case "macro":
                return ParseMacro(keyword.Line);
            case "call":
                {
                    var call = ParseExpression();
                    Expect(TokenKind.StatementEnd);
                    var body = ParseBody(["endcall"]);
                    ExpectStatement("endcall");
                    return new CallBlockNode(call, body, keyword.Line);
                }

            case "filter":
                {
                    var name = ExpectName();
                    var (args, _) = Current.IsOperator("(") ? ParseArguments() : ([], []);
                    Expect(TokenKind.StatementEnd);
                    var body = ParseBody(["endfilter"]);
                    ExpectStatement("endfilter");
                    return new FilterBlockNode(name, args, body, keyword.Line);
                }

            case "raw":
                {
                    Expect(TokenKind.StatementEnd);
                    var text = Current.Kind == TokenKind.Text ? Next().Value : string.Empty;
                    ExpectStatement("endraw");
                    return new TextNode(text, keyword.Line);
                }

            case "generation":
                {
                    // HuggingFace's {% generation %} marks assistant text for training masks; it renders its body as is.
                    Expect(TokenKind.StatementEnd);
                    var body = ParseBody(["endgeneration"]);
                    ExpectStatement("endgeneration");
                    return new IfNode([(new LiteralExpr(true, keyword.Line), body)], [], keyword.Line);
                }

            case "break":
                Expect(TokenKind.StatementEnd);
                return new BreakNode(keyword.Line);
            case "continue":
                Expect(TokenKind.StatementEnd);
                return new ContinueNode(keyword.Line);
            default:
                throw new JinjaException($"Line {keyword.Line}: unknown statement '{keyword.Value}' (supported: if, for, set, macro, call, filter, raw, generation, break, continue).");
        }
    }

    private IfNode ParseIf(int line)
    {
        var branches = new List<(Expr, IReadOnlyList<Node>)>();
        var condition = ParseExpression();
        Expect(TokenKind.StatementEnd);
        IReadOnlyList<Node> otherwise = [];
        while (true)
        {
            var body = ParseBody(["elif", "else", "endif"]);
            branches.Add((condition, body));
            Expect(TokenKind.StatementStart);
            var keyword = ExpectName();
            if (keyword == "elif")
            {
                condition = ParseExpression();
                Expect(TokenKind.StatementEnd);
                continue;
            }

            Expect(TokenKind.StatementEnd);
            if (keyword == "else")
            {
                otherwise = ParseBody(["endif"]);
                ExpectStatement("endif");
            }

            return new IfNode(branches, otherwise, line);
        }
    }

    private ForNode ParseFor(int line)
    {
        var targets = new List<string> { ExpectName() };
        while (Current.IsOperator(","))
        {
            Next();
            targets.Add(ExpectName());
        }

        if (!Current.IsName("in"))
        {
            throw Error($"expected 'in' but found {Current}");
        }

        Next();
        var iterable = ParseConditional(allowConditional: false);
        Expr? filter = null;
        if (Current.IsName("if"))
        {
            Next();
            filter = ParseExpression();
        }

        if (Current.IsName("recursive"))
        {
            throw Error("recursive loops are not supported");
        }

        Expect(TokenKind.StatementEnd);
        var body = ParseBody(["else", "endfor"]);
        IReadOnlyList<Node> otherwise = [];
        Expect(TokenKind.StatementStart);
        if (ExpectName() == "else")
        {
            Expect(TokenKind.StatementEnd);
            otherwise = ParseBody(["endfor"]);
            ExpectStatement("endfor");
        }
        else
        {
            Expect(TokenKind.StatementEnd);
        }

        return new ForNode(targets, iterable, filter, body, otherwise, line);
    }

    private SetNode ParseSet(int line)
    {
        var targets = new List<string> { ExpectName() };
        string? attribute = null;
        if (Current.IsOperator("."))
        {
            Next();
            attribute = ExpectName();
        }

        while (Current.IsOperator(","))
        {
            Next();
            targets.Add(ExpectName());
        }

        if (Current.Kind == TokenKind.StatementEnd)
        {
            Next();
            var body = ParseBody(["endset"]);
            ExpectStatement("endset");
            return new SetNode(targets, attribute, null, body, line);
        }

        Expect(TokenKind.Operator, "=");
        var value = ParseTupleOrExpression();
        Expect(TokenKind.StatementEnd);
        return new SetNode(targets, attribute, value, null, line);
    }

    private MacroNode ParseMacro(int line)
    {
        var name = ExpectName();
        Expect(TokenKind.Operator, "(");
        var parameters = new List<(string, Expr?)>();
        while (!Current.IsOperator(")"))
        {
            var parameter = ExpectName();
            Expr? fallback = null;
            if (Current.IsOperator("="))
            {
                Next();
                fallback = ParseExpression();
            }

            parameters.Add((parameter, fallback));
            if (!Current.IsOperator(","))
            {
                break;
            }

            Next();
        }

        Expect(TokenKind.Operator, ")");
        Expect(TokenKind.StatementEnd);
        var body = ParseBody(["endmacro"]);
        ExpectStatement("endmacro");
        return new MacroNode(name, parameters, body, line);
    }

    // `a, b` on the right of a set is a tuple.
    private Expr ParseTupleOrExpression()
    {
        var line = Current.Line;
        var first = ParseExpression();
        if (!Current.IsOperator(","))
        {
            return first;
        }

        var items = new List<Expr> { first };
        while (Current.IsOperator(","))
        {
            Next();
            items.Add(ParseExpression());
        }

        return new ListExpr(items, line);
    }

    public Expr ParseExpression() => ParseConditional(allowConditional: true);

    private Expr ParseConditional(bool allowConditional)
    {
        var value = ParseOr();
        while (allowConditional && Current.IsName("if"))
        {
            var line = Next().Line;
            var condition = ParseOr();
            Expr? otherwise = null;
            if (Current.IsName("else"))
            {
                Next();
                otherwise = ParseConditional(allowConditional: true);
            }

            value = new ConditionalExpr(condition, value, otherwise, line);
        }

        return value;
    }

    private Expr ParseOr()
    {
        var left = ParseAnd();
        while (Current.IsName("or"))
        {
            var line = Next().Line;
            left = new BinaryExpr("or", left, ParseAnd(), line);
        }

        return left;
    }

    private Expr ParseAnd()
    {
        var left = ParseNot();
        while (Current.IsName("and"))
        {
            var line = Next().Line;
            left = new BinaryExpr("and", left, ParseNot(), line);
        }

        return left;
    }

    private Expr ParseNot()
    {
        if (Current.IsName("not"))
        {
            var line = Next().Line;
            return new UnaryExpr("not", ParseNot(), line);
        }

        return ParseCompare();
    }

    private Expr ParseCompare()
    {
        var left = ParseMath1();
        while (true)
        {
            var token = Current;
            if (token.Kind == TokenKind.Operator && CompareOperators.Contains(token.Value))
            {
                Next();
                left = new BinaryExpr(token.Value, left, ParseMath1(), token.Line);
            }
            else if (token.IsName("in"))
            {
                Next();
                left = new BinaryExpr("in", left, ParseMath1(), token.Line);
            }
            else if (token.IsName("not") && Peek(1).IsName("in"))
            {
                Next();
                Next();
                left = new BinaryExpr("not in", left, ParseMath1(), token.Line);
            }
            else
            {
                return left;
            }
        }
    }

    private Expr ParseMath1()
    {
        var left = ParseConcat();
        while (Current.IsOperator("+") || Current.IsOperator("-"))
        {
            var op = Next();
            left = new BinaryExpr(op.Value, left, ParseConcat(), op.Line);
        }

        return left;
    }

    private Expr ParseConcat()
    {
        var left = ParseMath2();
        while (Current.IsOperator("~"))
        {
            var op = Next();
            left = new BinaryExpr("~", left, ParseMath2(), op.Line);
        }

        return left;
    }

    private Expr ParseMath2()
    {
        var left = ParsePow();
        while (Current.Kind == TokenKind.Operator && Current.Value is "*" or "/" or "//" or "%")
        {
            var op = Next();
            left = new BinaryExpr(op.Value, left, ParsePow(), op.Line);
        }

        return left;
    }

    private Expr ParsePow()
    {
        var left = ParseUnary(withFilter: true);
        while (Current.IsOperator("**"))
        {
            var op = Next();
            left = new BinaryExpr("**", left, ParseUnary(withFilter: true), op.Line);
        }

        return left;
    }

    private Expr ParseUnary(bool withFilter)
    {
        Expr node;
        if (Current.IsOperator("-") || Current.IsOperator("+"))
        {
            var op = Next();
            node = new UnaryExpr(op.Value, ParseUnary(withFilter: false), op.Line);
        }
        else
        {
            node = ParsePostfix(ParsePrimary());
        }

        return withFilter ? ParseFiltersAndTests(node) : node;
    }

    private Expr ParseFiltersAndTests(Expr node)
    {
        while (true)
        {
            if (Current.IsOperator("|"))
            {
                var line = Next().Line;
                var name = ParseDottedName();
                var (args, named) = Current.IsOperator("(") ? ParseArguments() : ([], []);
                node = new FilterExpr(node, name, args, named, line);
            }
            else if (Current.IsName("is"))
            {
                var line = Next().Line;
                var negated = false;
                if (Current.IsName("not"))
                {
                    Next();
                    negated = true;
                }

                var name = ParseDottedName();
                List<Expr> args = [];
                if (Current.IsOperator("("))
                {
                    (args, _) = ParseArguments();
                }
                else if (Current.Kind is TokenKind.String or TokenKind.Integer or TokenKind.Float
                    || (Current.Kind == TokenKind.Name && !Keywords.Contains(Current.Value)))
                {
                    args = [ParsePostfix(ParsePrimary())];
                }

                node = new TestExpr(node, name, negated, args, line);
            }
            else
            {
                return node;
            }
        }
    }

    private string ParseDottedName()
    {
        var name = ExpectName();
        while (Current.IsOperator(".") && Peek(1).Kind == TokenKind.Name)
        {
            Next();
            name += "." + ExpectName();
        }

        return name;
    }

    private (List<Expr> Positional, List<(string, Expr)> Named) ParseArguments()
    {
        Expect(TokenKind.Operator, "(");
        var positional = new List<Expr>();
        var named = new List<(string, Expr)>();
        while (!Current.IsOperator(")"))
        {
            if (Current.Kind == TokenKind.Name && Peek(1).IsOperator("="))
            {
                var name = Next().Value;
                Next();
                named.Add((name, ParseExpression()));
            }
            else
            {
                positional.Add(ParseExpression());
            }

            if (!Current.IsOperator(","))
            {
                break;
            }

            Next();
        }

        Expect(TokenKind.Operator, ")");
        return (positional, named);
    }

    private Expr ParsePostfix(Expr node)
    {
        while (true)
        {
            var token = Current;
            if (token.IsOperator("."))
            {
                Next();
                var name = Current.Kind is TokenKind.Name or TokenKind.Integer ? Next().Value : throw Error($"expected an attribute name but found {Current}");
                node = name.All(char.IsAsciiDigit)
                    ? new ItemExpr(node, new LiteralExpr(long.Parse(name, CultureInfo.InvariantCulture), token.Line), token.Line)
                    : new AttributeExpr(node, name, token.Line);
            }
            else if (token.IsOperator("["))
            {
                Next();
                node = ParseSubscript(node, token.Line);
            }
            else if (token.IsOperator("("))
            {
                var (args, named) = ParseArguments();
                node = new CallExpr(node, args, named, token.Line);
            }
            else
            {
                return node;
            }
        }
    }

    private Expr ParseSubscript(Expr target, int line)
    {
        Expr? start = null;
        if (!Current.IsOperator(":"))
        {
            start = ParseExpression();
            if (Current.IsOperator("]"))
            {
                Next();
                return new ItemExpr(target, start, line);
            }
        }

        Expect(TokenKind.Operator, ":");
        Expr? stop = null;
        Expr? step = null;
        if (!Current.IsOperator("]") && !Current.IsOperator(":"))
        {
            stop = ParseExpression();
        }

        if (Current.IsOperator(":"))
        {
            Next();
            if (!Current.IsOperator("]"))
            {
                step = ParseExpression();
            }
        }

        Expect(TokenKind.Operator, "]");
        return new SliceExpr(target, start, stop, step, line);
    }

    private Expr ParsePrimary()
    {
        var token = Next();
        switch (token.Kind)
        {
            case TokenKind.Name:
                return token.Value switch
                {
                    "true" or "True" => new LiteralExpr(true, token.Line),
                    "false" or "False" => new LiteralExpr(false, token.Line),
                    "none" or "None" => new LiteralExpr(null, token.Line),
                    _ => new NameExpr(token.Value, token.Line),
                };
            case TokenKind.String:
                {
                    // Adjacent literals concatenate, as in Python.
                    var text = token.Value;
                    while (Current.Kind == TokenKind.String)
                    {
                        text += Next().Value;
                    }

                    return new LiteralExpr(text, token.Line);
                }

            case TokenKind.Integer:
                return new LiteralExpr(long.Parse(token.Value, CultureInfo.InvariantCulture), token.Line);
            case TokenKind.Float:
                return new LiteralExpr(double.Parse(token.Value, CultureInfo.InvariantCulture), token.Line);
            case TokenKind.Operator when token.Value == "(":
                {
                    if (Current.IsOperator(")"))
                    {
                        Next();
                        return new ListExpr([], token.Line);
                    }

                    var first = ParseExpression();
                    if (Current.IsOperator(")"))
                    {
                        Next();
                        return first;
                    }

                    var items = new List<Expr> { first };
                    while (Current.IsOperator(","))
                    {
                        Next();
                        if (Current.IsOperator(")"))
                        {
                            break;
                        }

                        items.Add(ParseExpression());
                    }

                    Expect(TokenKind.Operator, ")");
                    return new ListExpr(items, token.Line);
                }

            case TokenKind.Operator when token.Value == "[":
                {
                    var items = new List<Expr>();
                    while (!Current.IsOperator("]"))
                    {
                        items.Add(ParseExpression());
                        if (!Current.IsOperator(","))
                        {
                            break;
                        }

                        Next();
                    }

                    Expect(TokenKind.Operator, "]");
                    return new ListExpr(items, token.Line);
                }

            case TokenKind.Operator when token.Value == "{":
                {
                    var items = new List<(Expr, Expr)>();
                    while (!Current.IsOperator("}"))
                    {
                        var key = ParseExpression();
                        Expect(TokenKind.Operator, ":");
                        items.Add((key, ParseExpression()));
                        if (!Current.IsOperator(","))
                        {
                            break;
                        }

                        Next();
                    }

                    Expect(TokenKind.Operator, "}");
                    return new DictExpr(items, token.Line);
                }

            default:
                _position--;
                throw Error($"unexpected {token}");
        }
    }
}
