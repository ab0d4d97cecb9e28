import './ssh/dirname-shim.js'
import * as core from '@actions/core'
import { run } from './main.js'
import { runPost } from './post.js'

// The runner sets STATE_isPost for the post step from what the main step saved.
if (core.getState('isPost')) {
  await runPost()
} else {
  core.saveState('isPost', 'true')
  await run()
}
