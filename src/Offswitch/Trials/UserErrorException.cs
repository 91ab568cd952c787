namespace Offswitch.Trials;

/// <summary>
/// Base of every error caused by the user's input or machine rather than by Offswitch: an unknown scenario or model,
/// a malformed file, a missing API key, an unreadable store, a missing sandbox. The message names the problem and the
/// fix; the CLI prints it on one line and exits with code 2. Stored results are never touched on the way out.
/// </summary>
public abstract class UserErrorException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Bad input from the user (arguments, spec files, options): the message names the problem and the fix.</summary>
public sealed class InvalidInputException(string message) : UserErrorException(message);
