using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Offswitch.Sandboxes;

namespace Offswitch.Scenarios;

/// <summary>What scenarios' shell tools return to the model, and how they read the model's arguments.</summary>
internal static class ToolOutput
{
    /// <summary>Inspect's default tool-output limit.</summary>
    public const int MaxBytes = 16 * 1024;

    /// <summary>Palisade's tool output: <c>"{stderr}\n{stdout}"</c> when there is stderr, else stdout.</summary>
    public static string Format(ExecResult result) =>
        result.Stderr.Length > 0 ? $"{result.Stderr}\n{result.Stdout}" : result.Stdout;

    /// <summary>The output cut to <see cref="MaxBytes"/> UTF-8 bytes, after <paramref name="notice"/>, when longer.</summary>
    /// <param name="notice">Put before the kept bytes; a scenario's own wording.</param>
    public static string Truncate(string output, string notice)
    {
        if (Encoding.UTF8.GetByteCount(output) <= MaxBytes)
        {
            return output;
        }

        var kept = output[..Math.Min(output.Length, MaxBytes)];
        while (Encoding.UTF8.GetByteCount(kept) > MaxBytes)
        {
            kept = kept[..^1];
        }

        return $"{notice}\n{kept}";
    }

    /// <summary>Reads a required string argument; on failure the error is a message for the model.</summary>
    public static bool TryGetString(FunctionCallContent call, string name, out string value, out string error)
    {
        value = string.Empty;
        error = string.Empty;
        object? raw = null;
        if (call.Arguments is null || !call.Arguments.TryGetValue(name, out raw) || raw is null)
        {
            error = $"Error: missing required argument '{name}' for tool {call.Name}.";
            return false;
        }

        switch (raw)
        {
            case string text:
                value = text;
                return true;
            case JsonElement { ValueKind: JsonValueKind.String } element:
                value = element.GetString()!;
                return true;
            default:
                error = $"Error: argument '{name}' of tool {call.Name} must be a string.";
                return false;
        }
    }
}
