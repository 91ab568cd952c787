using System.Globalization;
using System.Text;

namespace Offswitch.Models.Gguf.Jinja;

internal enum TokenKind
{
    Text,
    OutputStart,
    OutputEnd,
    StatementStart,
    StatementEnd,
    Name,
    String,
    Integer,
    Float,
    Operator,
    End,
}

internal readonly record struct Token(TokenKind Kind, string Value, int Line)
{
    public bool Is(TokenKind kind, string value) => Kind == kind && Value == value;

    public bool IsOperator(string value) => Kind == TokenKind.Operator && Value == value;

    public bool IsName(string value) => Kind == TokenKind.Name && Value == value;

    public override string ToString() => Kind == TokenKind.End ? "end of template" : $"'{Value}'";
}

/// <summary>
/// Splits a template into text and tag tokens, applying the whitespace rules HuggingFace renders chat templates with:
/// <c>trim_blocks</c> (the first newline after a block or comment tag is dropped), <c>lstrip_blocks</c> (spaces and
/// tabs before a block or comment tag at the start of a line are dropped), and the <c>-</c>/<c>+</c> modifiers on tags.
/// Both rules are decided on the source text, as Jinja's lexer does, not on what is rendered.
/// </summary>
internal static class JinjaLexer
{
    private static readonly string[] Operators =
        ["//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|"];

    private enum TagKind
    {
        Output,
        Statement,
        Comment,
    }

    private sealed record Tag(TagKind Kind, int Start, int End, bool StripBefore, bool KeepLeading, bool StripAfter, bool KeepTrailing, string Body, int Line);

    public static List<Token> Tokenize(string source)
    {
        var tags = FindTags(source);
        var tokens = new List<Token>();
        var position = 0;
        Tag? previous = null;
        for (var i = 0; i <= tags.Count; i++)
        {
            var next = i < tags.Count ? tags[i] : null;
            var textEnd = next?.Start ?? source.Length;
            var text = TrimmedText(source, position, textEnd, previous, next);
            if (text.Length > 0)
            {
                tokens.Add(new Token(TokenKind.Text, text, LineAt(source, position)));
            }

            if (next is null)
            {
                break;
            }

            if (next.Kind == TagKind.Output)
            {
                tokens.Add(new Token(TokenKind.OutputStart, "{{", next.Line));
                TokenizeExpression(next.Body, next.Line, tokens);
                tokens.Add(new Token(TokenKind.OutputEnd, "}}", next.Line));
            }
            else if (next.Kind == TagKind.Statement)
            {
                tokens.Add(new Token(TokenKind.StatementStart, "{%", next.Line));
                TokenizeExpression(next.Body, next.Line, tokens);
                tokens.Add(new Token(TokenKind.StatementEnd, "%}", next.Line));
            }

            position = next.End;
            previous = next;
            if (next.Kind == TagKind.Statement && next.Body.Trim() == "raw")
            {
                // Everything up to {% endraw %} is text, tags included.
                var (rawEnd, endTag) = FindEndRaw(source, position, next.Line);
                var rawText = TrimmedText(source, position, rawEnd, previous, endTag);
                if (rawText.Length > 0)
                {
                    tokens.Add(new Token(TokenKind.Text, rawText, LineAt(source, position)));
                }

                tokens.Add(new Token(TokenKind.StatementStart, "{%", endTag.Line));
                tokens.Add(new Token(TokenKind.Name, "endraw", endTag.Line));
                tokens.Add(new Token(TokenKind.StatementEnd, "%}", endTag.Line));
                position = endTag.End;
                previous = endTag;
                tags = [.. tags.Where(t => t.Start >= position)];
                i = -1;
            }
        }

        tokens.Add(new Token(TokenKind.End, string.Empty, LineAt(source, source.Length)));
        return tokens;
    }

    private static (int Start, Tag Tag) FindEndRaw(string source, int from, int line)
    {
        var search = from;
        while (true)
        {
            var open = source.IndexOf("{%", search, StringComparison.Ordinal);
            if (open < 0)
            {
                throw new JinjaException($"Line {line}: {{% raw %}} is never closed by {{% endraw %}}.");
            }

            var tag = ReadTag(source, open, TagKind.Statement);
            if (tag.Body.Trim() == "endraw")
            {
                return (open, tag);
            }

            search = open + 2;
        }
    }

    private static List<Tag> FindTags(string source)
    {
        var tags = new List<Tag>();
        var i = 0;
        while (i < source.Length - 1)
        {
            if (source[i] == '{' && source[i + 1] is '{' or '%' or '#')
            {
                var kind = source[i + 1] switch { '{' => TagKind.Output, '%' => TagKind.Statement, _ => TagKind.Comment };
                var tag = ReadTag(source, i, kind);
                tags.Add(tag);
                i = tag.End;
                if (kind == TagKind.Statement && tag.Body.Trim() == "raw")
                {
                    // The raw block's content is found again by Tokenize; skip past it here so its tags are not read.
                    var (rawStart, endTag) = FindEndRaw(source, i, tag.Line);
                    tags.Add(endTag with { Start = rawStart });
                    i = endTag.End;
                }
            }
            else
            {
                i++;
            }
        }

        return tags;
    }

    private static Tag ReadTag(string source, int start, TagKind kind)
    {
        var line = LineAt(source, start);
        var bodyStart = start + 2;
        var stripBefore = false;
        var keepLeading = false;
        if (bodyStart < source.Length && source[bodyStart] is '-' or '+')
        {
            stripBefore = source[bodyStart] == '-';
            keepLeading = source[bodyStart] == '+';
            bodyStart++;
        }

        int close;
        if (kind == TagKind.Comment)
        {
            close = source.IndexOf("#}", bodyStart, StringComparison.Ordinal);
        }
        else
        {
            close = FindClose(source, bodyStart, kind == TagKind.Output ? "}}" : "%}");
        }

        if (close < 0)
        {
            throw new JinjaException($"Line {line}: the tag opened here is never closed.");
        }

        var bodyEnd = close;
        var stripAfter = false;
        var keepTrailing = false;
        if (bodyEnd > bodyStart && source[bodyEnd - 1] is '-' or '+')
        {
            stripAfter = source[bodyEnd - 1] == '-';
            keepTrailing = source[bodyEnd - 1] == '+';
            bodyEnd--;
        }

        return new Tag(kind, start, close + 2, stripBefore, keepLeading, stripAfter, keepTrailing, source[bodyStart..bodyEnd], line);
    }

    // The closing delimiter outside string literals (a template may print "}}" or "%}" inside a string).
    private static int FindClose(string source, int from, string delimiter)
    {
        var i = from;
        while (i < source.Length - 1)
        {
            var c = source[i];
            if (c is '"' or '\'')
            {
                i++;
                while (i < source.Length && source[i] != c)
                {
                    i += source[i] == '\\' ? 2 : 1;
                }

                i++;
                continue;
            }

            if (c == delimiter[0] && source[i + 1] == delimiter[1])
            {
                return i;
            }

            i++;
        }

        return -1;
    }

    private static string TrimmedText(string source, int start, int end, Tag? previous, Tag? next)
    {
        var from = start;
        var to = end;
        if (previous is not null)
        {
            if (previous.StripAfter)
            {
                while (from < to && char.IsWhiteSpace(source[from]))
                {
                    from++;
                }
            }
            else if (previous.Kind != TagKind.Output && !previous.KeepTrailing)
            {
                // trim_blocks
                if (from < to && source[from] == '\n')
                {
                    from++;
                }
                else if (from + 1 < to && source[from] == '\r' && source[from + 1] == '\n')
                {
                    from += 2;
                }
            }
        }

        if (next is not null)
        {
            if (next.StripBefore)
            {
                while (to > from && char.IsWhiteSpace(source[to - 1]))
                {
                    to--;
                }
            }
            else if (next.Kind != TagKind.Output && !next.KeepLeading)
            {
                // lstrip_blocks: only when the tag is the first thing on its source line.
                var lineStart = to;
                while (lineStart > start && source[lineStart - 1] is ' ' or '\t')
                {
                    lineStart--;
                }

                if (lineStart == 0 || source[lineStart - 1] == '\n')
                {
                    to = Math.Max(from, lineStart);
                }
            }
        }

        return to > from ? source[from..to] : string.Empty;
    }

    private static int LineAt(string source, int index)
    {
        var line = 1;
        for (var i = 0; i < index && i < source.Length; i++)
        {
            if (source[i] == '\n')
            {
                line++;
            }
        }

        return line;
    }

    private static void TokenizeExpression(string body, int line, List<Token> tokens)
    {
        var i = 0;
        while (i < body.Length)
        {
            var c = body[i];
            if (char.IsWhiteSpace(c))
            {
                if (c == '\n')
                {
                    line++;
                }

                i++;
            }
            else if (char.IsLetter(c) || c == '_')
            {
                var start = i;
                while (i < body.Length && (char.IsLetterOrDigit(body[i]) || body[i] == '_'))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Name, body[start..i], line));
            }
            else if (char.IsAsciiDigit(c))
            {
                var start = i;
                while (i < body.Length && (char.IsAsciiDigit(body[i]) || body[i] == '_'))
                {
                    i++;
                }

                var isFloat = false;
                if (i + 1 < body.Length && body[i] == '.' && char.IsAsciiDigit(body[i + 1]))
                {
                    isFloat = true;
                    i++;
                    while (i < body.Length && char.IsAsciiDigit(body[i]))
                    {
                        i++;
                    }
                }

                if (i < body.Length && body[i] is 'e' or 'E')
                {
                    var e = i + 1;
                    if (e < body.Length && body[e] is '+' or '-')
                    {
                        e++;
                    }

                    if (e < body.Length && char.IsAsciiDigit(body[e]))
                    {
                        isFloat = true;
                        i = e;
                        while (i < body.Length && char.IsAsciiDigit(body[i]))
                        {
                            i++;
                        }
                    }
                }

                tokens.Add(new Token(isFloat ? TokenKind.Float : TokenKind.Integer, body[start..i].Replace("_", string.Empty, StringComparison.Ordinal), line));
            }
            else if (c is '"' or '\'')
            {
                var (text, next) = ReadString(body, i, line);
                tokens.Add(new Token(TokenKind.String, text, line));
                i = next;
            }
            else
            {
                var op = Operators.FirstOrDefault(o => string.CompareOrdinal(body, i, o, 0, o.Length) == 0)
                    ?? throw new JinjaException($"Line {line}: unexpected character '{c}'.");
                tokens.Add(new Token(TokenKind.Operator, op, line));
                i += op.Length;
            }
        }
    }

    // Python string literal escapes (the templates are written for Python's Jinja); unknown escapes keep the backslash.
    private static (string Text, int Next) ReadString(string body, int start, int line)
    {
        var quote = body[start];
        var sb = new StringBuilder();
        var i = start + 1;
        while (i < body.Length && body[i] != quote)
        {
            var c = body[i];
            if (c != '\\' || i + 1 >= body.Length)
            {
                sb.Append(c);
                i++;
                continue;
            }

            var e = body[i + 1];
            i += 2;
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case '0': sb.Append('\0'); break;
                case '\\': sb.Append('\\'); break;
                case '\'': sb.Append('\''); break;
                case '"': sb.Append('"'); break;
                case '\n': break;
                case 'x' when i + 2 <= body.Length:
                    sb.Append((char)int.Parse(body.AsSpan(i, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += 2;
                    break;
                case 'u' when i + 4 <= body.Length:
                    sb.Append((char)int.Parse(body.AsSpan(i, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += 4;
                    break;
                default: sb.Append('\\').Append(e); break;
            }
        }

        if (i >= body.Length)
        {
            throw new JinjaException($"Line {line}: unterminated string literal.");
        }

        return (sb.ToString(), i + 1);
    }
}
