using Spectre.Console.Cli;

namespace ActorScaler.Commands;

// Placeholder so the skeleton builds; helper A replaces it with the real command.
public sealed class ValidateCommand : Command<ValidateCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken) => 1;
}
