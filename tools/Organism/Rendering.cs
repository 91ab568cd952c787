using Offswitch.Organisms;

namespace Offswitch.Organism;

/// <summary>The organism's chat template (<c>chat_template.jinja</c>) and the renderer that training and readout share.</summary>
internal static class Rendering
{
    public const string ImStart = "<|im_start|>";
    public const string ImEnd = "<|im_end|>";

    /// <summary>The template's source; the file's final newline is not part of it.</summary>
    public static string TemplateSource(string path)
    {
        var text = File.ReadAllText(path);
        return text.EndsWith('\n') ? text[..^1] : text;
    }

    /// <summary>The renderer the gguf provider uses at inference: the library's chat-template engine on this template.</summary>
    public static ConversationRenderer Renderer(string templateSource) => Models.Gguf.ChatTemplate.Parse(templateSource, "<s>", ImEnd).Render;

}
