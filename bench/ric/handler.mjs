// The hello handler in the shape aws-lambda-ric loads (`_HANDLER=handler.handler`):
// the same logic as examples/hello and the baseline clients.
export const handler = async (event) => ({ message: `hello ${event.name}` })
