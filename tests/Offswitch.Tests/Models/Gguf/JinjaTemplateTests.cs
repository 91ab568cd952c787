using Offswitch.Models.Gguf.Jinja;

namespace Offswitch.Tests.Models.Gguf;

/// <summary>The Jinja subset, each expectation being what Python's Jinja2 (trim_blocks, lstrip_blocks) renders.</summary>
public sealed class JinjaTemplateTests
{
    private static readonly Dictionary<string, object?> Variables = new()
    {
        ["name"] = "World",
        ["items"] = new List<object?> { "a", "b", "c" },
        ["numbers"] = new List<object?> { 3, 1, 2 },
        ["user"] = new Dictionary<string, object?> { ["name"] = "ann", ["age"] = 30, ["tags"] = new List<object?> { "x" } },
        ["messages"] = new List<object?>
        {
            new Dictionary<string, object?> { ["role"] = "system", ["content"] = "  sys  " },
            new Dictionary<string, object?> { ["role"] = "user", ["content"] = "hi" },
            new Dictionary<string, object?> { ["role"] = "assistant", ["content"] = "yo" },
        },
        ["nothing"] = null,
        ["unicode"] = "héllo \"q\"\n",
    };

    private static string Render(string template) => JinjaTemplate.Parse(template).Render(Variables);

    [Theory]
    // Literals and output
    [InlineData("Hello {{ name }}!", "Hello World!")]
    [InlineData("{{ 'a' \"b\" }}", "ab")]
    [InlineData("{{ 1 }} {{ 1.5 }} {{ 2.0 }} {{ True }} {{ false }} {{ none }} {{ None }}", "1 1.5 2.0 True False None None")]
    [InlineData("{{ [1, 'a', [true]] }}", "[1, 'a', [True]]")]
    [InlineData("{{ {'k': 1, 'j': none} }}", "{'k': 1, 'j': None}")]
    [InlineData("{{ 'it\\'s' }}|{{ \"tab\\tend\" }}|{{ '\\n' | length }}", "it's|tab\tend|1")]
    [InlineData("{{ undefined_thing }}|{{ undefined_thing.attr }}|{{ undefined_thing['k'] }}", "||")]
    // Operators
    [InlineData("{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 7 // 2 }} {{ 7 % 3 }} {{ -7 // 2 }} {{ 7 / 2 }} {{ 2 ** 3 }} {{ 4 / 2 }}", "7 9 3 1 -4 3.5 8 2.0")]
    [InlineData("{{ 'a' + 'b' }} {{ 'a' ~ 1 ~ none }} {{ [1] + [2] }} {{ 'ab' * 2 }}", "ab a1None [1, 2] abab")]
    [InlineData("{{ 1 == 1.0 }} {{ 'a' != 'b' }} {{ 1 < 2 <= 2 }} {{ 3 > 2 }} {{ 'b' >= 'a' }}", "True True True True True")]
    [InlineData("{{ 'a' in 'cat' }} {{ 'z' not in items }} {{ 'name' in user }} {{ 2 in numbers }}", "True True True True")]
    [InlineData("{{ true and 'x' }} {{ false or 'y' }} {{ not nothing }} {{ nothing or 'd' }} {{ not 1 == 2 }}", "x y True d True")]
    [InlineData("{{ 'yes' if items else 'no' }} {{ 'yes' if nothing else 'no' }} [{{ 'x' if false }}]", "yes no []")]
    [InlineData("{{ {'a': 1} == {'a': 1} }} {{ [1, [2]] == [1, [2]] }} {{ messages[1] == messages[1] }} {{ none == none }}", "True True True True")]
    // Access and slicing
    [InlineData("{{ user.name }} {{ user['age'] }} {{ items[0] }} {{ items[-1] }} {{ items.1 }} {{ user.tags[0] }}", "ann 30 a c b x")]
    [InlineData("{{ items[1:] }} {{ items[:1] }} {{ items[::-1] }} {{ items[-2:] }} {{ 'hello'[1:3] }} {{ 'abc'[::-1] }} {{ items[:-1] }}", "['b', 'c'] ['a'] ['c', 'b', 'a'] ['b', 'c'] el cba ['a', 'b']")]
    [InlineData("{{ items[5] is defined }} {{ user.missing is defined }} {{ user.name is defined }}", "False False True")]
    // Tests
    [InlineData("{{ x is undefined }} {{ nothing is none }} {{ name is string }} {{ 1 is number }} {{ 1.5 is number }} {{ 1 is integer }} {{ 1.5 is integer }}", "True True True True True True False")]
    [InlineData("{{ user is mapping }} {{ items is mapping }} {{ items is iterable }} {{ name is iterable }} {{ user is iterable }} {{ 1 is iterable }} {{ items is sequence }}", "True False True True True False True")]
    [InlineData("{{ true is boolean }} {{ 1 is boolean }} {{ true is true }} {{ false is false }} {{ 0 is false }} {{ 1 is equalto 1 }} {{ 'a' is eq 'a' }} {{ 2 is not equalto 3 }}", "True False True True False True True True")]
    [InlineData("{{ nothing is not none }} {{ not nothing is none }} {{ 3 is odd }} {{ 4 is even }} {{ 6 is divisibleby 3 }}", "False False True True True")]
    // Filters
    [InlineData("{{ '  x  ' | trim }}|{{ 'xxaxx' | trim('x') }}|{{ items | length }}|{{ user | count }}|{{ 'héllo' | length }}", "x|a|3|3|5")]
    [InlineData("{{ name | upper }} {{ name | lower }} {{ 'hello world' | capitalize }} {{ 'hello world' | title }}", "WORLD world Hello world Hello World")]
    [InlineData("{{ x | default('d') }} {{ nothing | default('d') }} {{ '' | default('d', true) }} {{ name | d('z') }}", "d None d World")]
    [InlineData("{{ items | first }} {{ items | last }} {{ items | join(', ') }} {{ numbers | join }} {{ 'ab' | list }}", "a c a, b, c 312 ['a', 'b']")]
    [InlineData("{{ 1 | string }} {{ '42' | int + 1 }} {{ 'x' | int }} {{ 3.9 | int }} {{ 'a-b-c' | replace('-', '+') }} {{ 'aaa' | replace('a', 'b', 2) }}", "1 43 0 3 a+b+c bba")]
    [InlineData("{% for k, v in user | items %}{{ k }}={{ v }};{% endfor %}", "name=ann;age=30;tags=['x'];")]
    [InlineData("{{ messages | selectattr('role', 'equalto', 'user') | map(attribute='content') | list }}", "['hi']")]
    [InlineData("{{ messages | rejectattr('role', 'equalto', 'user') | map(attribute='role') | join(',') }}", "system,assistant")]
    [InlineData("{{ messages | selectattr('content') | list | length }} {{ [0, 1, '', 'a'] | select | list }} {{ ['a', 'code', 'b'] | reject('equalto', 'code') | join(', ') }}", "3 [1, 'a'] a, b")]
    [InlineData("{{ ['a', 'b'] | map('upper') | join }} {{ numbers | sort | list }} {{ numbers | sort(reverse=true) | first }} {{ [1, 2, 1, 'A', 'a'] | unique | list }}", "AB [1, 2, 3] 3 [1, 2, 'A']")]
    [InlineData("{{ numbers | sum }} {{ numbers | min }} {{ numbers | max }} {{ numbers | reverse | list }} {{ -3 | abs }} {{ '<b>' | safe }}", "6 1 3 [2, 1, 3] 3 <b>")]
    [InlineData("{{ 'a\nb\n\nc' | indent(2) }}|{{ 'a\nb' | indent(2, true) }}|{{ 'a\n\nb' | indent(2, blank=true) }}", "a\n  b\n\n  c|  a\n  b|a\n  \n  b")]
    // tojson: Python's json.dumps(ensure_ascii=False), no key sorting
    [InlineData("{{ user | tojson }}", "{\"name\": \"ann\", \"age\": 30, \"tags\": [\"x\"]}")]
    [InlineData("{{ user | tojson(indent=2) }}", "{\n  \"name\": \"ann\",\n  \"age\": 30,\n  \"tags\": [\n    \"x\"\n  ]\n}")]
    [InlineData("{{ unicode | tojson }} {{ nothing | tojson }} {{ [] | tojson }} {{ {} | tojson(indent=4) }} {{ 1.5 | tojson }} {{ true | tojson }}", "\"héllo \\\"q\\\"\\n\" null [] {} 1.5 true")]
    [InlineData("{{ {'b': 1, 'a': 2} | tojson(sort_keys=true) }} {{ 'é' | tojson(ensure_ascii=true) }} {{ '</x>&' | tojson }}", "{\"a\": 2, \"b\": 1} \"\\u00e9\" \"</x>&\"")]
    // Methods
    [InlineData("{{ '  x ' .strip() }}|{{ 'xa'.lstrip('x') }}|{{ 'ax\n'.rstrip() }}|{{ 'abc'.startswith('ab') }}|{{ 'abc'.endswith(('x', 'c')) }}", "x|a|ax|True|True")]
    [InlineData("{{ 'a b  c'.split() }} {{ 'a,b'.split(',') }} {{ 'a,b,c'.split(',', 1) }} {{ 'Ab'.upper() }}{{ 'Ab'.lower() }} {{ 'ab'.replace('a', 'z') }} {{ 'a b'.title() }}", "['a', 'b', 'c'] ['a', 'b'] ['a', 'b,c'] ABab zb A B")]
    [InlineData("{{ user.keys() | list }} {{ user.values() | length }} {{ user.get('name') }} {{ user.get('x', 'd') }} {{ user.get('x') }} {{ ', '.join(items) }}", "['name', 'age', 'tags'] 3 ann d None a, b, c")]
    [InlineData("{% set l = [] %}{% set _ = l.append(1) %}{{ l }}", "[1]")]
    [InlineData("{{ '</think>x'.split('</think>')[-1] }} {{ '{}-{}'.format(1, 'a') }}", "x 1-a")]
    public void Render_Expression_MatchesJinja(string template, string expected) => Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("{% if nothing %}a{% elif items %}b{% else %}c{% endif %}", "b")]
    [InlineData("{% for i in items %}{{ loop.index }}{{ loop.index0 }}{{ i }}{% if loop.first %}F{% endif %}{% if loop.last %}L{% endif %}{{ loop.length }},{% endfor %}", "10aF3,21b3,32cL3,")]
    [InlineData("{% for i in items if i != 'b' %}{{ loop.index }}{{ i }}{{ loop.last }};{% endfor %}", "1aFalse;2cTrue;")]
    [InlineData("{% for i in [] %}x{% else %}empty{% endfor %}", "empty")]
    [InlineData("{% for i in items %}{% if i == 'b' %}{% continue %}{% endif %}{% if i == 'c' %}{% break %}{% endif %}{{ i }}{% endfor %}", "a")]
    [InlineData("{% for i in items %}{{ loop.revindex }}{{ loop.previtem }}{{ loop.cycle('x', 'y') }} {% endfor %}", "3x 2ay 1bx ")]
    [InlineData("{% for k in user %}{{ k }} {% endfor %}", "name age tags ")]
    [InlineData("{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }};{% endfor %}", "3;7;")]
    [InlineData("{% for i in range(3) %}{{ i }}{% endfor %}{% for i in range(1, 7, 2) %}{{ i }}{% endfor %}", "012135")]
    // set: scoping as in Jinja (a loop does not leak, an if does), namespace to get out of a loop
    [InlineData("{% set x = 1 %}{% for i in items %}{% set x = 2 %}{% endfor %}{{ x }}", "1")]
    [InlineData("{% if true %}{% set x = 5 %}{% endif %}{{ x }}", "5")]
    [InlineData("{% set ns = namespace(count=0, found=false) %}{% for i in items %}{% set ns.count = ns.count + 1 %}{% endfor %}{{ ns.count }} {{ ns.found }}", "3 False")]
    [InlineData("{% set ns = namespace() %}{% set ns.x = 'v' %}{{ ns.x }}", "v")]
    [InlineData("{% set a, b = 1, 2 %}{{ a }}{{ b }}", "12")]
    [InlineData("{% set block %}in {{ name }}{% endset %}[{{ block }}]", "[in World]")]
    [InlineData("{% set messages = messages[1:] %}{{ messages | length }}", "2")]
    // macros, call blocks, filter blocks, raw, comments, generation
    [InlineData("{% macro greet(who, punct='!') %}Hi {{ who }}{{ punct }}{% endmacro %}{{ greet('A') }} {{ greet('B', '?') }} {{ greet(who='C', punct='.') }}", "Hi A! Hi B? Hi C.")]
    [InlineData("{% macro wrap() %}[{{ caller() }}]{% endmacro %}{% call wrap() %}inner{% endcall %}", "[inner]")]
    [InlineData("{% filter upper %}shout {{ name }}{% endfilter %}", "SHOUT WORLD")]
    [InlineData("{% raw %}{{ not parsed }}{% if %}{% endraw %}", "{{ not parsed }}{% if %}")]
    [InlineData("a{# a comment #}b{#- stripped -#}  c", "abc")]
    [InlineData("{% generation %}gen{% endgeneration %}", "gen")]
    public void Render_Statement_MatchesJinja(string template, string expected) => Assert.Equal(expected, Render(template));

    [Theory]
    // trim_blocks: the newline after a block tag goes; lstrip_blocks: indentation before a block tag goes.
    [InlineData("{% if true %}\nyes\n{% endif %}\nafter", "yes\nafter")]
    [InlineData("    {% if true %}\n    x\n    {% endif %}\n", "    x\n")]
    [InlineData("a\n  {% for i in items %}\n  - {{ i }}\n  {% endfor %}\nb", "a\n  - a\n  - b\n  - c\nb")]
    // Output tags are not trimmed by either rule.
    [InlineData("  {{ name }}\nx", "  World\nx")]
    // - strips all whitespace, newlines included, on its side.
    [InlineData("a  \n  {{- name -}}  \n  b", "aWorldb")]
    [InlineData("a\n\n{%- if true %}b{% endif -%}\n\nc", "abc")]
    // + keeps what lstrip_blocks / trim_blocks would remove.
    [InlineData("  {%+ if true %}x{% endif +%}\ny", "  x\ny")]
    // lstrip_blocks only applies at the start of a line.
    [InlineData("x {% if true %}y{% endif %}", "x y")]
    [InlineData("{# c #}\nline", "line")]
    [InlineData("{% if true %}\r\nwin{% endif %}", "win")]
    public void Render_Whitespace_FollowsHuggingFaceSettings(string template, string expected) => Assert.Equal(expected, Render(template));

    [Fact]
    public void Render_RaiseException_ThrowsWithTheTemplatesMessage()
    {
        var error = Assert.Throws<JinjaRaisedException>(() => Render("{{ raise_exception('Roles must alternate') }}"));
        Assert.Equal("Roles must alternate", error.Message);
    }

    [Fact]
    public void Render_StrftimeNow_FormatsTheInjectedDate()
    {
        var template = JinjaTemplate.Parse("{{ strftime_now('%d %b %Y|%Y-%m-%d %H:%M|%B %A %-d') }}").WithDate(new DateTime(2025, 1, 5, 14, 7, 0, DateTimeKind.Utc));
        Assert.Equal("05 Jan 2025|2025-01-05 14:07|January Sunday 5", template.Render(new Dictionary<string, object?>()));
    }

    [Fact]
    public void Render_Strict_UndefinedAttributeIsAnError()
    {
        var strict = new Func<string, string>(t => JinjaTemplate.Parse(t).WithStrict(true).Render(Variables));
        Assert.Throws<JinjaException>(() => strict("{{ missing.attr }}"));
        Assert.Throws<JinjaException>(() => strict("{{ missing }}"));
        Assert.Equal("False", strict("{{ missing is defined }}"));
    }

    [Theory]
    [InlineData("{% if x %}", "missing {% elif or else or endif %}")]
    [InlineData("{{ 1 + }}", "unexpected")]
    [InlineData("{% frobnicate %}", "unknown statement")]
    [InlineData("{{ 'open", "never closed")]
    [InlineData("{{ x | nosuchfilter }}", "unknown filter")]
    [InlineData("{{ x is nosuchtest }}", "unknown test")]
    [InlineData("{{ 1 + 'a' }}", "unsupported operand")]
    [InlineData("{{ missing + 1 }}", "undefined")]
    [InlineData("{% for x in nothing %}{% endfor %}", "not iterable")]
    public void ParseOrRender_Invalid_ThrowsAClearError(string template, string fragment)
    {
        var error = Assert.ThrowsAny<JinjaException>(() => Render(template));
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ErrorOnALaterLine_NamesTheLine()
    {
        var error = Assert.ThrowsAny<JinjaException>(() => JinjaTemplate.Parse("a\nb\n{% if %}"));
        Assert.StartsWith("Line 3:", error.Message, StringComparison.Ordinal);
    }
}
